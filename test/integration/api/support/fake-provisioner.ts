/** A provisioner for control-plane tests: no processes; databases are ready after `readyAfter` status reads. */

import { DependencyError } from "../../../../api/src/errors/errors.js";
import type {
  Provisioner,
  ProvisionState,
  ProvisionTarget,
  QEndpoint,
} from "../../../../api/src/provisioning/provisioner.js";
import type { Engine } from "../../../../crds/src/kdb-database.js";

export class FakeProvisioner implements Provisioner {
  readonly kind = "fake";
  readonly restoresOnStart = false;
  readonly applied: ProvisionTarget[] = [];
  readonly removed: string[] = [];
  /** database name → reason: status reports failed */
  readonly failing = new Map<string, string>();
  readonly #reads = new Map<string, number>();
  readonly #present = new Map<string, ProvisionTarget>();
  readAfter: number;

  constructor(options: { readyAfter?: number } = {}) {
    this.readAfter = options.readyAfter ?? 1;
  }

  supportsEngine(engine: Engine): boolean {
    return engine === "guru-engine";
  }

  async apply(db: ProvisionTarget): Promise<void> {
    this.applied.push(structuredClone(db));
    this.#present.set(db.uid, db);
    this.#reads.set(db.uid, 0);
  }

  async status(db: ProvisionTarget): Promise<ProvisionState> {
    if (!this.#present.has(db.uid)) return { state: "absent" };
    const failure = this.failing.get(db.name);
    if (failure !== undefined) return { state: "failed", reason: failure };
    const reads = (this.#reads.get(db.uid) ?? 0) + 1;
    this.#reads.set(db.uid, reads);
    return reads >= this.readAfter ? { state: "ready" } : { state: "progressing", detail: `read ${reads}` };
  }

  async remove(db: ProvisionTarget): Promise<void> {
    this.#present.delete(db.uid);
    this.removed.push(db.name);
  }

  async endpoint(db: ProvisionTarget): Promise<QEndpoint> {
    throw new DependencyError("DATABASE_UNAVAILABLE", `fake database ${db.name} has no endpoint`);
  }

  health() {
    return { status: "ok" as const };
  }

  async close(): Promise<void> {}
}
