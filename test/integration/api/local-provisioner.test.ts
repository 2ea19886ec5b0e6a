import { strict as assert } from "node:assert";
import { once } from "node:events";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { pino } from "pino";
import { LocalProvisioner } from "../../../api/src/provisioning/local-provisioner.js";
import type { ProvisionTarget } from "../../../api/src/provisioning/provisioner.js";
import { type ChildEngine, spawnEngine } from "../../../engine/src/child-process.js";
import { eventually } from "../../support/eventually.js";

/**
 * The local provisioner starting an engine whose files are still locked by another (the engine
 * of a crashed API, still shutting down): it retries rather than failing for good; and what its
 * engines log reaches its own log.
 */
describe("local provisioner: engines as child processes", function () {
  this.timeout(60_000);
  let dir: string;
  let holder: ChildEngine | undefined;
  let provisioner: LocalProvisioner | undefined;
  const logs = new PassThrough();
  const db: ProvisionTarget = {
    accountId: "a1",
    name: "metrics",
    uid: "u1",
    region: "local",
    engine: "guru-engine",
    size: "dev",
    storage: { stripes: 1, stripeSizeGiB: 1 },
    generation: 1,
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "guru-provisioner-"));
  });
  after(async () => {
    await provisioner?.close();
    await holder?.kill();
    await rm(dir, { recursive: true, force: true });
  });

  it("retries the start and is ready once the lock is released", async () => {
    const stripe = join(dir, db.accountId, db.name, "stripe-0");
    await mkdir(stripe, { recursive: true });
    holder = await spawnEngine({
      env: { GURU_SEGMENTS: stripe, GURU_CREDENTIALS: "x:x", GURU_PORT: "0", GURU_HTTP_PORT: "0" },
    });
    let retried = false;
    logs.on("data", (line: Buffer) => {
      retried ||= line.toString().includes("guru-engine start retried");
    });
    provisioner = new LocalProvisioner({ dataDir: dir, launch: "process", logger: pino(logs) });

    await provisioner.apply(db);
    await eventually("the first start fails", 20_000, async () =>
      retried || (await provisioner!.status(db)).state === "failed" ? true : undefined,
    );
    assert.deepEqual(await provisioner.status(db), { state: "progressing", detail: "starting guru-engine" });
    await holder.stop();
    await eventually("the engine is ready", 20_000, async () =>
      (await provisioner!.status(db)).state === "ready" ? true : undefined,
    );
  });

  it("carries its engine's log into its own", async () => {
    const { host, port, user, password } = await provisioner!.endpoint(db);
    const socket = connect(port, host);
    socket.write(`${user}:${password}\x03\x00`);
    await once(socket, "data"); // the handshake's capability byte
    const logged = new Promise<string>((resolve) =>
      logs.on("data", (line: Buffer) => {
        if (line.toString().includes("guru-engine: unreadable q IPC stream")) resolve(line.toString());
      }),
    );
    socket.write(Buffer.from([9, 9, 9, 9, 9, 9, 9, 9])); // not a q IPC header
    const line = JSON.parse(await logged) as { level: number; database: string };
    assert.equal(line.level, 40);
    assert.equal(line.database, db.name);
    socket.destroy();
  });
});
