/** What the API functions need from the engine. */
import type { QValue } from "../../../qipc/src/index.js";
import type { Snapshots } from "../store/snapshots.js";
import type { Store } from "../store/store.js";

export interface ApiEnv {
  store: Store;
  /** snapshot copies taken for backups */
  snapshots: Snapshots;
  /** the server's row limit (docs/q-api.md §4) */
  maxRows: number;
  /** `process.hrtime.bigint()` when the engine started */
  startedAt: bigint;
  /** segment directories, as configured, for `.guru.stats` */
  segmentPaths: readonly string[];
  /** told of every acknowledged write */
  written(rows: number): void;
}

export interface Call {
  args: QValue[];
  /** aborted when the request's deadline passes or its client leaves */
  signal: AbortSignal;
}

export type ApiFunction = (env: ApiEnv, call: Call) => Promise<QValue> | QValue;
