/** A database's retention as its engine applies it (`.guru.retention`, docs/q-api.md). */
import { type QValue, q, timestampToString } from "../../../qipc/src/index.js";
import type { Principal } from "../auth/scopes.js";
import type { DatabaseConnections } from "../data/connections.js";
import type { DatabasesService } from "../databases/databases-service.js";

export interface RetentionView {
  days: number | null;
  cutoff: string | null;
  oldestTime: string | null;
  lastRunAt: string | null;
  droppedRows: number;
}

const NULL_TIME = -(2n ** 63n);

function field(reply: QValue, name: string): bigint {
  if (reply.type !== 99 || reply.keys.type !== 11 || reply.values.type !== 0)
    throw new Error("the database's retention reply is not a dictionary");
  const value = reply.values.value[reply.keys.value.indexOf(name)];
  if (value === undefined || !("value" in value) || typeof value.value !== "bigint")
    throw new Error(`the database's retention reply lacks ${name}`);
  return value.value;
}

function time(ns: bigint): string | null {
  return ns === NULL_TIME ? null : timestampToString(ns);
}

export class RetentionService {
  readonly #databases: DatabasesService;
  readonly #connections: DatabaseConnections;

  constructor(databases: DatabasesService, connections: DatabaseConnections) {
    this.#databases = databases;
    this.#connections = connections;
  }

  async get(principal: Principal, name: string): Promise<RetentionView> {
    const db = await this.#databases.resolveReady(principal, name, "read");
    const reply = await this.#connections.request(db, ".guru.retention", [q.nil], { kind: "read" });
    const days = Number(field(reply, "days"));
    return {
      days: days === 0 ? null : days,
      cutoff: time(field(reply, "cutoff")),
      oldestTime: time(field(reply, "oldest")),
      lastRunAt: time(field(reply, "lastRun")),
      droppedRows: Number(field(reply, "dropped")),
    };
  }
}
