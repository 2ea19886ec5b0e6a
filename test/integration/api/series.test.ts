import { strict as assert } from "node:assert";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { LocalProvisioner } from "../../../api/src/provisioning/local-provisioner.js";
import { createQPool } from "../../../qipc/src/pool.js";
import type { QList, QTable, QVector } from "../../../qipc/src/types.js";
import { newTenant, startTestApi, type TestApi, waitForStatus } from "./support/harness.js";

const codeOf = (res: { body: unknown }) => (res.body as { code?: string }).code;

describe("guru-api: series on real guru-engines (local provisioner)", function () {
  this.timeout(60_000);
  let api: TestApi;
  let dataDir: string;
  let tenant: { accountId: string; token: string };

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "guru-api-series-"));
    api = await startTestApi({
      env: { GURU_API_DATA_DIR: dataDir },
      provisioner: new LocalProvisioner({ dataDir, launch: "in-process", logger: pino({ level: "silent" }) }),
    });
    tenant = await newTenant(api, "series");
    const created = await api.call("POST", "/v1/databases", {
      token: tenant.token,
      body: { name: "metrics", size: "dev", storage: { stripes: 2, stripeSizeGiB: 1 } },
    });
    assert.equal(created.status, 202);
    await waitForStatus(api, tenant.token, "metrics", "ready", 30_000);
  });

  after(async () => {
    await api?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const cpu = {
    name: "cpu",
    tags: ["host", "region"],
    fields: [
      { name: "usage", type: "float" },
      { name: "temp", type: "real" },
      { name: "ok", type: "boolean" },
      { name: "note", type: "string" },
    ],
  };

  it("puts each stripe of the database in its own directory under the data dir", () => {
    for (const stripe of ["stripe-0", "stripe-1"])
      assert.ok(existsSync(join(dataDir, tenant.accountId, "metrics", stripe)), stripe);
  });

  it("creates a series on the database with .guru.create, idempotently", async () => {
    const created = await api.call("POST", "/v1/databases/metrics/series", {
      token: tenant.token,
      body: cpu,
    });
    assert.equal(created.status, 201);
    assert.equal(created.headers.location, "/v1/databases/metrics/series/cpu");
    assert.deepEqual((created.body as { columns: unknown[] }).columns, [
      { name: "time", type: "timestamp", tag: false },
      { name: "host", type: "symbol", tag: true },
      { name: "region", type: "symbol", tag: true },
      { name: "usage", type: "float", tag: false },
      { name: "temp", type: "real", tag: false },
      { name: "ok", type: "boolean", tag: false },
      { name: "note", type: "string", tag: false },
    ]);
    const again = await api.call("POST", "/v1/databases/metrics/series", { token: tenant.token, body: cpu });
    assert.equal(again.status, 200);
    const different = await api.call("POST", "/v1/databases/metrics/series", {
      token: tenant.token,
      body: { ...cpu, fields: [{ name: "usage", type: "long" }] },
    });
    assert.equal(different.status, 409);
    assert.equal(codeOf(different), "SERIES_EXISTS");

    // the database itself has it, with the q types
    const db = (await api.runtime.services.stores.databases.get(tenant.accountId, "metrics"))!;
    const endpoint = await api.runtime.provisioner.endpoint(db);
    const pool = createQPool({ ...endpoint, size: 1 });
    try {
      const series = (await pool.call(".guru.series")) as QTable;
      const names = series.data[series.columns.indexOf("name")] as QVector;
      assert.deepEqual([...(names.value as string[])], ["cpu"]);
      const types = (series.data[series.columns.indexOf("types")] as QList).value[0] as QVector;
      assert.equal(Buffer.from(types.value as Uint8Array).toString(), "pssfebC");
    } finally {
      await pool.close();
    }
  });

  it("gets and lists series", async () => {
    await api.call("POST", "/v1/databases/metrics/series", {
      token: tenant.token,
      body: { name: "mem", fields: [{ name: "used", type: "long" }] },
    });
    const got = await api.call("GET", "/v1/databases/metrics/series/cpu", { token: tenant.token });
    assert.equal((got.body as { name: string }).name, "cpu");
    const page1 = await api.call("GET", "/v1/databases/metrics/series?limit=1", { token: tenant.token });
    const body1 = page1.body as { items: { name: string }[]; nextCursor: string };
    const page2 = await api.call("GET", `/v1/databases/metrics/series?limit=1&cursor=${body1.nextCursor}`, {
      token: tenant.token,
    });
    const names = [...body1.items, ...(page2.body as { items: { name: string }[] }).items].map((s) => s.name);
    assert.deepEqual(names, ["cpu", "mem"]);
  });

  it("refuses bad schemas before they reach the database", async () => {
    const cases = [
      { name: "bad name" },
      { name: "select" },
      { name: "t", tags: ["time"] },
      { name: "t", tags: ["a"], fields: [{ name: "a", type: "float" }] },
      { name: "t", fields: [{ name: "x", type: "decimal" }] },
    ];
    for (const body of cases) {
      const res = await api.call("POST", "/v1/databases/metrics/series", { token: tenant.token, body });
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(codeOf(res), "VALIDATION_FAILED");
    }
  });

  it("needs db:<name>:write to create or delete, any scope to read", async () => {
    const reader = await api.call("POST", `/v1/accounts/${tenant.accountId}/tokens`, {
      token: tenant.token,
      body: { name: "reader", scopes: ["db:metrics:read"] },
    });
    const secret = (reader.body as { secret: string }).secret;
    assert.equal((await api.call("GET", "/v1/databases/metrics/series/cpu", { token: secret })).status, 200);
    const write = await api.call("POST", "/v1/databases/metrics/series", {
      token: secret,
      body: { name: "disk" },
    });
    assert.equal(codeOf(write), "FORBIDDEN");
    assert.equal(
      codeOf(await api.call("DELETE", "/v1/databases/metrics/series/cpu", { token: secret })),
      "FORBIDDEN",
    );
  });

  it("deletes a series: dropped on the database, gone from the catalog", async () => {
    assert.equal(
      (await api.call("DELETE", "/v1/databases/metrics/series/mem", { token: tenant.token })).status,
      204,
    );
    assert.equal(
      codeOf(await api.call("GET", "/v1/databases/metrics/series/mem", { token: tenant.token })),
      "SERIES_NOT_FOUND",
    );
    assert.equal(
      codeOf(await api.call("DELETE", "/v1/databases/metrics/series/mem", { token: tenant.token })),
      "SERIES_NOT_FOUND",
    );
    // and it can be made again with another schema
    const again = await api.call("POST", "/v1/databases/metrics/series", {
      token: tenant.token,
      body: { name: "mem", fields: [{ name: "free", type: "int" }] },
    });
    assert.equal(again.status, 201);
  });

  it("answers 409 DATABASE_NOT_READY while the database is not ready", async () => {
    await api.call("POST", "/v1/databases", { token: tenant.token, body: { name: "later", size: "dev" } });
    const res = await api.call("POST", "/v1/databases/later/series", {
      token: tenant.token,
      body: { name: "x" },
    });
    if (res.status !== 201) assert.equal(codeOf(res), "DATABASE_NOT_READY");
    await waitForStatus(api, tenant.token, "later", "ready", 30_000);
  });

  it("deletes the database: its engine stops, its directory and its series go", async () => {
    await api.call("DELETE", "/v1/databases/metrics", { token: tenant.token });
    await waitForStatus(api, tenant.token, "metrics", "gone", 30_000);
    assert.ok(!existsSync(join(dataDir, tenant.accountId, "metrics")));
    await api.call("POST", "/v1/databases", { token: tenant.token, body: { name: "metrics", size: "dev" } });
    await waitForStatus(api, tenant.token, "metrics", "ready", 30_000);
    const list = await api.call("GET", "/v1/databases/metrics/series", { token: tenant.token });
    assert.deepEqual((list.body as { items: unknown[] }).items, []);
  });
});
