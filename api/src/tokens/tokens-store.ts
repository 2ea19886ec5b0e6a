/** Token items: in their account's partition, keyed by token id; the secret only as a hash. */
import type { Item } from "../catalog/attributes.js";
import { keys } from "../catalog/keys.js";
import { type CatalogTable, conditions } from "../catalog/table.js";

export interface TokenRecord {
  id: string;
  accountId: string;
  name: string;
  scopes: string[];
  /** sha256 of the token string (token-secret.ts) */
  hash: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  /** the token that created it (null for the bootstrap token) */
  createdBy: string | null;
  version: number;
}

function toItem(token: TokenRecord) {
  return { ...keys.token(token.accountId, token.id), type: "token", ...token };
}

export function tokenFromItem(item: Item): TokenRecord {
  return {
    id: item.id as string,
    accountId: item.accountId as string,
    name: item.name as string,
    scopes: item.scopes as string[],
    hash: item.hash as string,
    createdAt: item.createdAt as string,
    expiresAt: (item.expiresAt ?? null) as string | null,
    revokedAt: (item.revokedAt ?? null) as string | null,
    createdBy: (item.createdBy ?? null) as string | null,
    version: item.version as number,
  };
}

export class TokensStore {
  readonly #table: CatalogTable;

  constructor(table: CatalogTable) {
    this.#table = table;
  }

  async create(token: TokenRecord): Promise<void> {
    await this.#table.put(toItem(token), conditions.absent());
  }

  async get(accountId: string, tokenId: string): Promise<TokenRecord | undefined> {
    const item = await this.#table.get(keys.token(accountId, tokenId));
    return item === undefined ? undefined : tokenFromItem(item);
  }

  async replace(token: TokenRecord, expectedVersion: number): Promise<void> {
    await this.#table.put(toItem(token), conditions.version(expectedVersion));
  }

  async list(accountId: string, limit: number, afterId: string | undefined) {
    const page = await this.#table.query({
      partition: keys.accountPartition(accountId),
      prefix: keys.tokenPrefix,
      limit,
      startKey:
        afterId === undefined
          ? undefined
          : (keys.token(accountId, afterId) as unknown as Record<string, string>),
    });
    return {
      items: page.items.map(tokenFromItem),
      last: page.lastKey === undefined ? undefined : page.lastKey.sk?.slice(keys.tokenPrefix.length),
    };
  }

  async deleteAll(accountId: string): Promise<string[]> {
    const items = await this.#table.queryAll(keys.accountPartition(accountId), keys.tokenPrefix);
    await this.#table.deleteMany(items.map((i) => ({ pk: i.pk as string, sk: i.sk as string })));
    return items.map((i) => i.id as string);
  }
}
