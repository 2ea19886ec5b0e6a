/** Series items, in their database's partition. */
import type { Item } from "../catalog/attributes.js";
import { keys } from "../catalog/keys.js";
import { type CatalogTable, conditions } from "../catalog/table.js";
import type { Column } from "./series-schemas.js";

export interface SeriesRecord {
  accountId: string;
  database: string;
  databaseUid: string;
  name: string;
  columns: Column[];
  createdAt: string;
  version: number;
}

function toItem(s: SeriesRecord) {
  return { ...keys.series(s.accountId, s.database, s.name), type: "series", ...s };
}

function fromItem(item: Item): SeriesRecord {
  const { pk: _p, sk: _s, type: _t, ...rest } = item;
  return rest as unknown as SeriesRecord;
}

export class SeriesStore {
  readonly #table: CatalogTable;

  constructor(table: CatalogTable) {
    this.#table = table;
  }

  async create(series: SeriesRecord): Promise<void> {
    await this.#table.put(toItem(series), conditions.absent());
  }

  async get(accountId: string, database: string, name: string): Promise<SeriesRecord | undefined> {
    const item = await this.#table.get(keys.series(accountId, database, name));
    return item === undefined ? undefined : fromItem(item);
  }

  async delete(series: SeriesRecord): Promise<void> {
    await this.#table.delete(keys.series(series.accountId, series.database, series.name));
  }

  async list(accountId: string, database: string, limit: number, after: string | undefined) {
    const page = await this.#table.query({
      partition: keys.seriesPartition(accountId, database),
      prefix: keys.seriesPrefix,
      limit,
      startKey:
        after === undefined
          ? undefined
          : (keys.series(accountId, database, after) as unknown as Record<string, string>),
    });
    return { items: page.items.map(fromItem), last: page.lastKey?.sk?.slice(keys.seriesPrefix.length) };
  }

  async deleteAll(accountId: string, database: string): Promise<void> {
    const items = await this.#table.queryAll(keys.seriesPartition(accountId, database), keys.seriesPrefix);
    await this.#table.deleteMany(items.map((i) => ({ pk: i.pk as string, sk: i.sk as string })));
  }
}
