/**
 * Point writes: JSON points of one series, and line protocol for any series of a database. Rows
 * become typed columns here and go to the database in one `.guru.write` per series, which answers
 * only once they are durable; the reply is sent after that.
 */

import type { TypeName } from "../../../q-api/src/index.js";
import { type QValue, q } from "../../../qipc/src/index.js";
import type { Principal } from "../auth/scopes.js";
import type { DatabaseConnections } from "../data/connections.js";
import type { DatabasesService } from "../databases/databases-service.js";
import type { DatabaseRecord } from "../databases/databases-store.js";
import { AppError } from "../errors/app-error.js";
import { createSeriesBody } from "../series/series-schemas.js";
import type { SeriesService } from "../series/series-service.js";
import type { SeriesRecord } from "../series/series-store.js";
import type { SeriesColumns } from "./column-builders.js";
import { jsonPoints } from "./json-points.js";
import { type FieldKind, measurementsOf } from "./line-protocol.js";
import { type LineRejection, MAX_REPORTED, type SeriesProposal } from "./line-protocol-batch.js";
import type { ParsePool } from "./parse-pool.js";
import { type Precision, unixToQTime, type WritePrecision } from "./point-values.js";
import type { WritePointsInput } from "./points-schemas.js";

export interface LineProtocolResult {
  written: number;
  rejected: number;
  /** the first 100 refused lines */
  rejections: LineRejection[];
}

const FIELD_TYPES: Record<FieldKind, TypeName> = {
  float: "float",
  integer: "long",
  unsigned: "long",
  string: "string",
  boolean: "boolean",
};

export interface PointsServiceOptions {
  databases: DatabasesService;
  series: SeriesService;
  connections: DatabaseConnections;
  /** where line protocol is parsed */
  parser: ParsePool;
  /** a line-protocol write may create the series of a new measurement */
  autoCreateSeries: boolean;
  /** largest write body (Express notation, e.g. 32mb), after gzip is undone */
  bodyLimit: string;
}

export class PointsService {
  readonly #o: PointsServiceOptions;

  constructor(options: PointsServiceOptions) {
    this.#o = options;
  }

  get bodyLimit(): string {
    return this.#o.bodyLimit;
  }

  /** Whether line-protocol bodies are best read into shared memory: a parse thread takes large ones. */
  get sharedBodies(): boolean {
    return this.#o.parser.threads > 0;
  }

  /** Writes the rows; resolves once the database has made them durable. */
  async write(db: DatabaseRecord, series: string, columns: SeriesColumns): Promise<number> {
    return columns.rows === 0 ? 0 : this.#send(db, series, columns.toQ());
  }

  /** `.guru.write` of the columns (a dict of typed vectors, or those already encoded). */
  async #send(db: DatabaseRecord, series: string, columns: QValue): Promise<number> {
    const args = [q.symbol(series), columns];
    const written = await this.#o.connections.request(db, ".guru.write", args, { kind: "write" });
    return Number((written as { value: bigint }).value);
  }

  async writeJson(
    principal: Principal,
    database: string,
    name: string,
    input: WritePointsInput,
    precision: Precision,
  ): Promise<number> {
    const { db, series } = await this.#o.series.target(principal, database, name, "write");
    return this.write(db, name, jsonPoints(input, series.columns, precision));
  }

  async writeLineProtocol(
    principal: Principal,
    database: string,
    body: Buffer,
    precision: WritePrecision,
    declared?: Map<string, SeriesProposal>,
  ): Promise<LineProtocolResult> {
    const db = await this.#o.databases.resolveReady(principal, database, "write");
    const schemas = await this.#schemas(db, measurementsOf(body));
    // a series whose schema the source declares is created as declared, not as its first lines
    // show it (a refusal here is met again, and reported, when the lines propose the series)
    const undeclared = [...(declared ?? [])].filter(([name]) => !schemas.has(name));
    if (this.#o.autoCreateSeries && undeclared.length > 0)
      await this.#create(principal, db, new Map(undeclared), schemas);
    const now = unixToQTime(BigInt(Date.now()) * 1_000_000n, "ns");
    const mayCreate = this.#o.autoCreateSeries;
    const first = await this.#o.parser.run({ body, schemas, precision, now, mayCreate });
    const results = [first];
    if (first.proposals.size > 0) {
      const refused = await this.#create(principal, db, first.proposals, schemas);
      const only = new Set(first.proposals.keys());
      results.push(
        await this.#o.parser.run({ body, schemas, precision, now, mayCreate: false, only, refused }),
      );
    }
    let written = 0;
    for (const result of results)
      for (const series of result.series)
        written += await this.#send(db, series.name, q.encoded(series.columns));
    const rejections = results
      .flatMap((r) => r.rejections)
      .sort((a, b) => a.line - b.line)
      .slice(0, MAX_REPORTED);
    return { written, rejected: results.reduce((n, r) => n + r.rejected, 0), rejections };
  }

  async #schemas(db: DatabaseRecord, names: Set<string>): Promise<Map<string, SeriesRecord["columns"]>> {
    const found = await Promise.all(
      [...names].map(async (n) => [n, await this.#o.series.lookup(db, n)] as const),
    );
    return new Map(found.flatMap(([n, s]) => (s === undefined ? [] : [[n, s.columns]])));
  }

  /** Creates the proposed series (adding them to `schemas`); returns those refused, with why. */
  async #create(
    principal: Principal,
    db: DatabaseRecord,
    proposals: Map<string, SeriesProposal>,
    schemas: Map<string, SeriesRecord["columns"]>,
  ): Promise<Map<string, string>> {
    const refused = new Map<string, string>();
    for (const [name, proposal] of proposals) {
      const input = createSeriesBody.safeParse({
        name,
        tags: proposal.tags,
        fields: [...proposal.fields].map(([field, kind]) => ({ name: field, type: FIELD_TYPES[kind] })),
      });
      if (!input.success) {
        const issue = input.error.issues[0];
        refused.set(name, `cannot create series ${name}: ${issue?.path.join(".")} ${issue?.message}`);
        continue;
      }
      try {
        schemas.set(name, (await this.#o.series.create(principal, db.name, input.data)).series.columns);
      } catch (err) {
        if (!(err instanceof AppError) || err.status >= 500) throw err;
        const existing = await this.#o.series.lookup(db, name); // created meanwhile by another write
        if (existing !== undefined) schemas.set(name, existing.columns);
        else refused.set(name, `cannot create series ${name}: ${err.message}`);
      }
    }
    return refused;
  }
}
