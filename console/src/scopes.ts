/** What a token's scopes allow (docs/api.md#authentication), so the console offers only that. */
export class Scopes {
  constructor(readonly scopes: readonly string[]) {}

  get platformAdmin(): boolean {
    return this.scopes.includes("platform:admin");
  }

  /** databases (create, delete) and tokens of the account */
  get accountAdmin(): boolean {
    return this.scopes.includes("account:admin");
  }

  private has(db: string, what: "read" | "write"): boolean {
    return (
      this.accountAdmin || this.scopes.includes(`db:${db}:${what}`) || this.scopes.includes(`db:*:${what}`)
    );
  }

  canRead(db: string): boolean {
    return this.has(db, "read");
  }

  canWrite(db: string): boolean {
    return this.has(db, "write");
  }

  get readsAny(): boolean {
    return this.accountAdmin || this.scopes.some((s) => /^db:[^:]+:read$/.test(s));
  }

  get writesAny(): boolean {
    return this.accountAdmin || this.scopes.some((s) => /^db:[^:]+:write$/.test(s));
  }
}
