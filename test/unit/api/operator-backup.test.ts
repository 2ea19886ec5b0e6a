/**
 * How the API's backup job follows a backup the platform takes (api/src/backups/operator-backup.ts),
 * over a scripted stand-in for the KdbBackup's states (the real KdbBackup is test/e2e/api-backups)
 * and a real local backup storage holding the manifest the Job would write, on a manual clock:
 * failed looks are retried a bounded number of times, a backup pending too long fails, a foreign
 * manifest is refused, a completed one gives the manifest's files, size and checksum.
 */
import { strict as assert } from "node:assert";
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalBackupStorage } from "../../../api/src/backups/local-backup-storage.js";
import { followOperatorBackup, MAX_FAILED_LOOKS } from "../../../api/src/backups/operator-backup.js";
import type { Job } from "../../../api/src/jobs/jobs-schemas.js";
import type {
  OperatorBackupRef,
  OperatorBackupState,
  OperatorBackups,
} from "../../../api/src/provisioning/provisioner.js";

const ref: OperatorBackupRef = {
  region: "us-east-1",
  resource: "k3m9x2q7pa-b1",
  prefix: "ns/k3m9x2q7pa-orders/k3m9x2q7pa-b1/",
};

/** Answers each look with the next scripted state (an Error is thrown), moving the clock 1 s. */
function scripted(states: (OperatorBackupState | Error)[], clock: { now: number }) {
  const calls = { looks: 0 };
  const operator: OperatorBackups = {
    where: () => ref,
    start: async () => undefined,
    state: async () => {
      calls.looks++;
      clock.now += 1000;
      // the last state answers every look after it
      const next = (states.length > 1 ? states.shift() : states[0]) as OperatorBackupState | Error;
      if (next instanceof Error) throw next;
      return next;
    },
    remove: async () => undefined,
  };
  return { operator, calls };
}

function leasedJob() {
  const job = {
    backup: "b1",
    progress: { filesDone: 0, filesTotal: null, bytesDone: 0, bytesTotal: null },
  } as unknown as Job;
  return { leased: { job, lost: false } };
}

describe("backups: following a KdbBackup (operator-backup.ts)", () => {
  let dir: string;
  let storage: LocalBackupStorage;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "guru-operator-backup-"));
    storage = new LocalBackupStorage(dir);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const storeManifest = async (backup: string) => {
    const bytes = Buffer.from(
      JSON.stringify({
        version: 1,
        backup,
        database: "k3m9x2q7pa-orders",
        engine: "guru-engine",
        stripes: 1,
        segments: 1,
        at: "1",
        writes: "1",
        rows: "5",
        firstTime: null,
        lastTime: null,
        files: [{ name: "segment-0/a", bytes: 7, sha256: "0".repeat(64) }],
      }),
    );
    await storage.write(
      `${ref.prefix}manifest.json`,
      (async function* () {
        yield bytes;
      })(),
    );
    return bytes;
  };
  const run = (operator: OperatorBackups, clock: { now: number }, signal = new AbortController().signal) => ({
    operator,
    storage,
    pollMs: 0,
    pendingTimeoutMs: 60_000,
    clock: () => clock.now,
    signal,
  });

  it("retries failed looks, then reads the completed backup's manifest", async () => {
    const clock = { now: 0 };
    const bytes = await storeManifest(ref.resource);
    const blip = new Error("connect ECONNREFUSED");
    const states = [
      { phase: "pending" } as const,
      ...Array.from({ length: MAX_FAILED_LOOKS - 1 }, () => blip),
      { phase: "running" } as const,
      { phase: "completed" } as const,
    ];
    const { operator, calls } = scripted(states, clock);
    const { leased } = leasedJob();
    const done = await followOperatorBackup(run(operator, clock), ref, leased);
    assert.equal(calls.looks, MAX_FAILED_LOOKS + 2);
    assert.deepEqual(
      [done.files.length, done.sizeBytes, done.checksum],
      [1, 7 + bytes.length, createHash("sha256").update(bytes).digest("hex")],
    );
    assert.deepEqual(leased.job.progress, { filesDone: 1, filesTotal: 1, bytesDone: 7, bytesTotal: 7 });
  });

  it(`fails after ${MAX_FAILED_LOOKS} failed looks in a row`, async () => {
    const clock = { now: 0 };
    const { operator } = scripted([new Error("connect ECONNREFUSED")], clock);
    await assert.rejects(followOperatorBackup(run(operator, clock), ref, leasedJob().leased), /ECONNREFUSED/);
  });

  it("fails a backup still pending after pendingTimeoutMs, with the operator's reason", async () => {
    const clock = { now: 0 };
    const { operator, calls } = scripted([{ phase: "pending", detail: "KdbDatabase x is not Ready" }], clock);
    await assert.rejects(
      followOperatorBackup(run(operator, clock), ref, leasedJob().leased),
      /still pending after 60 s: KdbDatabase x is not Ready/,
    );
    assert.equal(calls.looks, 61);
  });

  it("gives the Job's reason when it failed, and refuses another backup's manifest", async () => {
    const clock = { now: 0 };
    const failed = scripted([{ phase: "failed", reason: "DeadlineExceeded: too long" }], clock);
    await assert.rejects(
      followOperatorBackup(run(failed.operator, clock), ref, leasedJob().leased),
      /DeadlineExceeded: too long/,
    );
    await storeManifest("someone-else");
    const done = scripted([{ phase: "completed" }], clock);
    await assert.rejects(
      followOperatorBackup(run(done.operator, clock), ref, leasedJob().leased),
      /is of someone-else, not k3m9x2q7pa-b1/,
    );
  });

  it("stops at once, unfailed, when its instance stops (signal), and when its job was taken over", async () => {
    const clock = { now: 0 };
    const stopping = new AbortController();
    const { operator, calls } = scripted([{ phase: "running" }], clock);
    const state = operator.state.bind(operator);
    operator.state = async (r) => {
      const out = await state(r);
      if (calls.looks === 3) stopping.abort();
      return out;
    };
    await assert.rejects(
      followOperatorBackup(run(operator, clock, stopping.signal), ref, leasedJob().leased),
      {
        name: "AbortError",
      },
    );
    assert.equal(calls.looks, 3);
    const { leased } = leasedJob();
    leased.lost = true;
    await assert.rejects(
      followOperatorBackup(run(operator, clock), ref, leased),
      /taken over by another instance/,
    );
  });
});
