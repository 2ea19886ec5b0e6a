import { strict as assert } from "node:assert";
import fc from "fast-check";
import {
  canAccessDatabase,
  canAdminAccount,
  canGrant,
  canSeeDatabase,
  type Principal,
  scopeSchema,
} from "../../../api/src/auth/scopes.js";
import { hashToken, newToken, parseToken, tokenMatches } from "../../../api/src/tokens/token-secret.js";

describe("api: token strings", () => {
  it("are tsg_<account id + 12>_<43 base64url> and parse back to their ids", () => {
    const { tokenId, token, hash } = newToken("k3m9x2q7pa");
    assert.match(token, /^tsg_k3m9x2q7pa[a-km-np-z2-9]{12}_[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(parseToken(token), { tokenId, accountId: "k3m9x2q7pa" });
    assert.equal(hash, hashToken(token));
    assert.ok(tokenMatches(token, hash));
  });

  it("do not match once any character changes", () => {
    const { token, hash } = newToken("k3m9x2q7pa");
    fc.assert(
      fc.property(fc.integer({ min: 0, max: token.length - 1 }), fc.constantFrom(..."aA0_-z"), (at, ch) => {
        const changed = token.slice(0, at) + ch + token.slice(at + 1);
        return changed === token || !tokenMatches(changed, hash);
      }),
    );
  });

  it("refuse malformed strings", () => {
    for (const bad of [
      "",
      "tsg_",
      "tsg_short_secret",
      `tsk_${"a".repeat(22)}_${"A".repeat(43)}`,
      `tsg_${"l".repeat(22)}_${"A".repeat(43)}`,
    ])
      assert.equal(parseToken(bad), undefined, bad);
    assert.ok(!tokenMatches("x", "not-a-hash"));
  });
});

describe("api: scopes", () => {
  const p = (accountId: string, ...scopes: string[]): Principal => ({
    tokenId: `${accountId}xxxxxxxxxxxx`,
    accountId,
    scopes,
  });

  it("accepts the four forms only", () => {
    for (const ok of ["platform:admin", "account:admin", "db:metrics:read", "db:*:write"])
      assert.ok(scopeSchema.safeParse(ok).success, ok);
    for (const bad of [
      "admin",
      "db:Metrics:read",
      "db:metrics:delete",
      "db::read",
      "db:ab:read",
      "account:admin ",
    ])
      assert.ok(!scopeSchema.safeParse(bad).success, bad);
  });

  it("keeps account admins to their account, platform admins to everything", () => {
    assert.ok(canAdminAccount(p("a", "account:admin"), "a"));
    assert.ok(!canAdminAccount(p("a", "account:admin"), "b"));
    assert.ok(canAdminAccount(p("a", "platform:admin"), "b"));
    assert.ok(!canAdminAccount(p("a", "db:*:write"), "a"));
  });

  it("separates read from write, with * for every database", () => {
    const writer = p("a", "db:metrics:write");
    assert.ok(canAccessDatabase(writer, "metrics", "write"));
    assert.ok(!canAccessDatabase(writer, "metrics", "read"));
    assert.ok(canSeeDatabase(writer, "metrics"));
    assert.ok(!canSeeDatabase(writer, "other"));
    assert.ok(canAccessDatabase(p("a", "db:*:read"), "anything", "read"));
    assert.ok(canAccessDatabase(p("a", "account:admin"), "anything", "write"));
  });

  it("grants platform:admin only from a platform admin", () => {
    assert.ok(!canGrant(p("a", "account:admin"), "a", "platform:admin"));
    assert.ok(canGrant(p("a", "account:admin"), "a", "db:x12:read"));
    assert.ok(canGrant(p("a", "platform:admin"), "b", "platform:admin"));
    assert.ok(!canGrant(p("a", "db:*:read"), "a", "db:*:read"));
  });
});
