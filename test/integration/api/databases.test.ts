import { strict as assert } from "node:assert";
import { CatalogConflict } from "../../../api/src/catalog/table.js";
import { FakeProvisioner } from "./support/fake-provisioner.js";
import { newTenant, startTestApi, type TestApi, waitForStatus } from "./support/harness.js";

type Db = {
  name: string;
  status: string;
  statusReason: string | null;
  size: string;
  storage: { stripeSizeGiB: number; totalGiB: number };
};
const codeOf = (res: { body: unknown }) => (res.body as { code?: string }).code;

describe("guru-api: databases (dynalite, fake provisioner)", function () {
  this.timeout(30_000);
  let api: TestApi;
  let provisioner: FakeProvisioner;

  before(async () => {
    provisioner = new FakeProvisioner({ readyAfter: 2 });
    api = await startTestApi({ provisioner });
  });
  after(() => api?.close());

  it("creates asynchronously: 202 + Location, pending → provisioning → ready", async () => {
    const { token } = await newTenant(api, "lifecycle");
    const created = await api.call("POST", "/v1/databases", {
      token,
      body: { name: "ticks", size: "medium", storage: { stripes: 4, stripeSizeGiB: 25 } },
    });
    assert.equal(created.status, 202);
    assert.equal(created.headers.location, "/v1/databases/ticks");
    const db = created.body as Db;
    assert.equal(db.status, "pending");
    assert.equal(db.storage.totalGiB, 100);
    const seen = new Set<string>();
    const ready = await waitForStatus(api, token, "ticks", "ready");
    assert.equal((ready.body as Db).statusReason, null);
    for (const target of provisioner.applied.filter((t) => t.name === "ticks"))
      seen.add(`${target.size}/${target.storage.stripes}`);
    assert.deepEqual([...seen], ["medium/4"]);
  });

  it("reports a provisioning failure with its reason", async () => {
    const { token } = await newTenant(api, "failing");
    provisioner.failing.set("doomed", "no capacity for xlarge in us-east-1a");
    await api.call("POST", "/v1/databases", { token, body: { name: "doomed", size: "xlarge" } });
    const failed = await waitForStatus(api, token, "doomed", "failed");
    assert.equal((failed.body as Db).statusReason, "no capacity for xlarge in us-east-1a");
    // a failed database can be deleted
    assert.equal((await api.call("DELETE", "/v1/databases/doomed", { token })).status, 202);
    await waitForStatus(api, token, "doomed", "gone");
  });

  it("lists with cursor pagination", async () => {
    const { token } = await newTenant(api, "pager", ["account:admin"], { maxDatabases: 10 });
    const names = ["db-a", "db-b", "db-c", "db-d", "db-e"];
    for (const name of names) await api.call("POST", "/v1/databases", { token, body: { name, size: "dev" } });
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await api.call(
        "GET",
        `/v1/databases?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
        { token },
      );
      const body = res.body as { items: Db[]; nextCursor: string | null };
      seen.push(...body.items.map((d) => d.name));
      cursor = body.nextCursor;
      pages++;
    } while (cursor !== null);
    assert.deepEqual(seen, names);
    assert.ok(pages >= 3);
    const forged = await api.call("GET", "/v1/databases?cursor=bm90LWEtY3Vyc29y", { token });
    assert.equal(forged.status, 400);
  });

  it("updates: grows storage and changes size; refuses shrinking, new stripes, busy and stale ETags", async () => {
    const { token } = await newTenant(api, "updater");
    await api.call("POST", "/v1/databases", {
      token,
      body: { name: "grow", storage: { stripes: 2, stripeSizeGiB: 10 } },
    });
    const busy = await api.call("PATCH", "/v1/databases/grow", { token, body: { size: "large" } });
    assert.equal(codeOf(busy), "DATABASE_BUSY");
    const ready = await waitForStatus(api, token, "grow", "ready");
    const etag = String(ready.headers.etag);

    const shrink = await api.call("PATCH", "/v1/databases/grow", {
      token,
      body: { storage: { stripeSizeGiB: 5 } },
    });
    assert.equal(shrink.status, 422);
    assert.equal(codeOf(shrink), "STORAGE_SHRINK");
    const stripes = await api.call("PATCH", "/v1/databases/grow", {
      token,
      body: { storage: { stripes: 3 } },
    });
    assert.equal(codeOf(stripes), "STRIPES_IMMUTABLE");
    const same = await api.call("PATCH", "/v1/databases/grow", { token, body: { size: "small" } });
    assert.equal(same.status, 200);
    const stale = await api.call("PATCH", "/v1/databases/grow", {
      token,
      headers: { "If-Match": '"999"' },
      body: { size: "large" },
    });
    assert.equal(stale.status, 412);

    const grown = await api.call("PATCH", "/v1/databases/grow", {
      token,
      headers: { "If-Match": etag },
      body: { size: "large", storage: { stripeSizeGiB: 40 } },
    });
    assert.equal(grown.status, 202);
    assert.equal((grown.body as Db).status, "updating");
    const done = await waitForStatus(api, token, "grow", "ready");
    assert.equal((done.body as Db).storage.totalGiB, 80);
    assert.equal((done.body as Db).size, "large");
    const last = provisioner.applied.filter((t) => t.name === "grow").at(-1)!;
    assert.deepEqual([last.size, last.storage.stripeSizeGiB, last.generation], ["large", 40, 2]);
  });

  it("deletes: 202 deleting, then 404, and the name can be used again", async () => {
    const { token, accountId } = await newTenant(api, "deleter");
    await api.call("POST", "/v1/databases", {
      token,
      body: { name: "temp", storage: { stripeSizeGiB: 30 } },
    });
    await waitForStatus(api, token, "temp", "ready");
    const deleting = await api.call("DELETE", "/v1/databases/temp", { token });
    assert.equal(deleting.status, 202);
    assert.equal((deleting.body as Db).status, "deleting");
    await waitForStatus(api, token, "temp", "gone");
    assert.ok(provisioner.removed.includes("temp"));
    const account = await api.call("GET", `/v1/accounts/${accountId}`, { token });
    assert.deepEqual((account.body as { usage: unknown }).usage, {
      databases: 0,
      storageGiB: 0,
      backupBytes: 0,
    });
    assert.equal((await api.call("POST", "/v1/databases", { token, body: { name: "temp" } })).status, 202);
  });

  it("replays a create with the same Idempotency-Key, and refuses the key for another request", async () => {
    const { token } = await newTenant(api, "idempotent");
    const headers = { "Idempotency-Key": "create-orders-1" };
    const first = await api.call("POST", "/v1/databases", { token, headers, body: { name: "orders" } });
    const again = await api.call("POST", "/v1/databases", { token, headers, body: { name: "orders" } });
    assert.equal(first.status, 202);
    assert.equal(again.status, 202);
    assert.equal(again.headers["idempotent-replayed"], "true");
    assert.deepEqual(again.body, first.body);
    const other = await api.call("POST", "/v1/databases", { token, headers, body: { name: "orders-2" } });
    assert.equal(other.status, 422);
    assert.equal(codeOf(other), "IDEMPOTENCY_KEY_REUSED");
    const plain = await api.call("POST", "/v1/databases", { token, body: { name: "orders" } });
    assert.equal(codeOf(plain), "DATABASE_EXISTS");
    // a failed request leaves the key free
    const failing = await api.call("POST", "/v1/databases", {
      token,
      headers: { "Idempotency-Key": "k2" },
      body: { name: "orders" },
    });
    assert.equal(failing.status, 409);
    const retried = await api.call("POST", "/v1/databases", {
      token,
      headers: { "Idempotency-Key": "k2" },
      body: { name: "orders" },
    });
    assert.equal(retried.status, 409);
    assert.notEqual(retried.headers["idempotent-replayed"], "true");
  });

  it("enforces quotas with a clear 403 and the numbers", async () => {
    const { token } = await newTenant(api, "quota", ["account:admin"], {
      maxDatabases: 2,
      maxStorageGiB: 100,
    });
    assert.equal(
      (
        await api.call("POST", "/v1/databases", {
          token,
          body: { name: "qa1", storage: { stripes: 2, stripeSizeGiB: 30 } },
        })
      ).status,
      202,
    );
    const storage = await api.call("POST", "/v1/databases", {
      token,
      body: { name: "qa2", storage: { stripes: 2, stripeSizeGiB: 25 } },
    });
    assert.equal(storage.status, 403);
    assert.equal(codeOf(storage), "QUOTA_STORAGE_EXCEEDED");
    assert.deepEqual((storage.body as { quota: unknown }).quota, {
      name: "maxStorageGiB",
      limit: 100,
      used: 60,
      requested: 50,
    });
    assert.equal(
      (
        await api.call("POST", "/v1/databases", {
          token,
          body: { name: "qa2", storage: { stripes: 2, stripeSizeGiB: 20 } },
        })
      ).status,
      202,
    );
    const count = await api.call("POST", "/v1/databases", {
      token,
      body: { name: "qa3", storage: { stripes: 1, stripeSizeGiB: 1 } },
    });
    assert.equal(codeOf(count), "QUOTA_DATABASES_EXCEEDED");
    await waitForStatus(api, token, "qa1", "ready");
    const grow = await api.call("PATCH", "/v1/databases/qa1", {
      token,
      body: { storage: { stripeSizeGiB: 40 } },
    });
    assert.equal(codeOf(grow), "QUOTA_STORAGE_EXCEEDED");
    assert.equal(
      await api.call("GET", "/v1/databases/qa1", { token }).then((r) => (r.body as Db).storage.totalGiB),
      60,
    );
  });

  it("gives one 202 and 409s to concurrent creates of one name", async () => {
    const { token } = await newTenant(api, "racer");
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        api.call("POST", "/v1/databases", { token, body: { name: "contended" } }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    assert.deepEqual(statuses, [202, 409, 409, 409, 409, 409]);
    for (const r of results.filter((x) => x.status === 409))
      assert.ok(["DATABASE_EXISTS", "CONFLICT"].includes(codeOf(r)!));
  });

  it("turns a DynamoDB conditional-write conflict into 409 CONFLICT", async () => {
    const { token, accountId } = await newTenant(api, "stale");
    await api.call("POST", "/v1/databases", { token, body: { name: "versioned" } });
    await waitForStatus(api, token, "versioned", "ready");
    const store = api.runtime.services.stores.databases;
    const current = (await store.get(accountId, "versioned"))!;
    await store.replace({ ...current, version: current.version + 1 }, current.version);
    await assert.rejects(
      store.replace({ ...current, version: current.version + 1 }, current.version),
      CatalogConflict,
    );

    // Through HTTP: many concurrent updates from one version; the losers get 409s.
    const results = await Promise.all(
      (["dev", "medium", "large", "xlarge"] as const).map((size) =>
        api.call("PATCH", "/v1/databases/versioned", { token, body: { size } }),
      ),
    );
    const codes = results.map((r) => (r.status === 202 ? "ACCEPTED" : codeOf(r)));
    assert.equal(codes.filter((c) => c === "ACCEPTED").length, 1, codes.join(","));
    for (const c of codes.filter((x) => x !== "ACCEPTED"))
      assert.ok(["CONFLICT", "DATABASE_BUSY"].includes(c!), c);
  });

  it("refuses engines and regions the installation does not have", async () => {
    const { token } = await newTenant(api, "engines");
    const kdb = await api.call("POST", "/v1/databases", { token, body: { name: "licensed", engine: "kdb" } });
    assert.equal(codeOf(kdb), "ENGINE_UNAVAILABLE");
    const region = await api.call("POST", "/v1/databases", {
      token,
      body: { name: "far", region: "ap-south-9" },
    });
    assert.equal(codeOf(region), "REGION_UNAVAILABLE");
  });
});
