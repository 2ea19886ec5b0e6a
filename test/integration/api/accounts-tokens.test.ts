import { strict as assert } from "node:assert";
import { newTenant, startTestApi, type TestApi } from "./support/harness.js";

describe("guru-api: accounts and tokens (dynalite)", function () {
  this.timeout(30_000);
  let api: TestApi;
  /** how far the API's clock runs ahead of real time: token expiry without waiting for it */
  let aheadMs = 0;

  before(async () => {
    api = await startTestApi({ clock: () => Date.now() + aheadMs });
  });
  after(() => api?.close());

  it("creates, reads, lists, updates and deletes accounts as a platform admin", async () => {
    const created = await api.call("POST", "/v1/accounts", {
      token: api.admin.token,
      body: { name: "acme", quotas: { maxDatabases: 3 } },
    });
    assert.equal(created.status, 201);
    const account = created.body as { id: string; quotas: { maxDatabases: number; maxStorageGiB: number } };
    assert.equal(created.headers.location, `/v1/accounts/${account.id}`);
    assert.equal(account.quotas.maxDatabases, 3);
    assert.equal(account.quotas.maxStorageGiB, 1024);

    const got = await api.call("GET", `/v1/accounts/${account.id}`, { token: api.admin.token });
    assert.deepEqual((got.body as { usage: unknown }).usage, { databases: 0, storageGiB: 0, backupBytes: 0 });

    const updated = await api.call("PATCH", `/v1/accounts/${account.id}`, {
      token: api.admin.token,
      body: { name: "acme inc", quotas: { maxStorageGiB: 50 } },
    });
    assert.equal(updated.status, 200);
    assert.equal((updated.body as { name: string }).name, "acme inc");

    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await api.call("GET", `/v1/accounts?limit=1${cursor ? `&cursor=${cursor}` : ""}`, {
        token: api.admin.token,
      });
      const body = page.body as { items: { id: string }[]; nextCursor: string | null };
      ids.push(...body.items.map((a) => a.id));
      cursor = body.nextCursor;
    } while (cursor !== null);
    assert.ok(ids.includes(account.id) && ids.includes(api.admin.accountId));

    assert.equal(
      (await api.call("DELETE", `/v1/accounts/${account.id}`, { token: api.admin.token })).status,
      204,
    );
    const gone = await api.call("GET", `/v1/accounts/${account.id}`, { token: api.admin.token });
    assert.equal((gone.body as { code: string }).code, "ACCOUNT_NOT_FOUND");
  });

  it("shows a token's secret once, lists tokens without it, and revokes", async () => {
    const tenant = await newTenant(api, "lister");
    const created = await api.call("POST", `/v1/accounts/${tenant.accountId}/tokens`, {
      token: tenant.token,
      body: { name: "reader", scopes: ["db:metrics:read"], expiresInSeconds: 3600 },
    });
    assert.equal(created.status, 201);
    assert.equal(created.headers["cache-control"], "no-store");
    const { token, secret } = created.body as { token: { id: string; expiresAt: string }; secret: string };
    assert.match(secret, new RegExp(`^tsg_${token.id}_[A-Za-z0-9_-]{43}$`));
    assert.ok(Date.parse(token.expiresAt) > Date.now());

    const whoami = await api.call("GET", "/v1/whoami", { token: secret });
    assert.deepEqual(whoami.body, {
      tokenId: token.id,
      accountId: tenant.accountId,
      scopes: ["db:metrics:read"],
    });

    const listed = await api.call("GET", `/v1/accounts/${tenant.accountId}/tokens`, { token: tenant.token });
    const items = (listed.body as { items: Record<string, unknown>[] }).items;
    assert.equal(items.length, 2);
    for (const item of items) assert.ok(!("secret" in item) && !("hash" in item));

    assert.equal(
      (
        await api.call("DELETE", `/v1/accounts/${tenant.accountId}/tokens/${token.id}`, {
          token: tenant.token,
        })
      ).status,
      204,
    );
    assert.equal(
      (
        await api.call("DELETE", `/v1/accounts/${tenant.accountId}/tokens/${token.id}`, {
          token: tenant.token,
        })
      ).status,
      204,
    );
    const refused = await api.call("GET", "/v1/whoami", { token: secret });
    assert.equal(refused.status, 401);
    assert.equal((refused.body as { code: string }).code, "AUTH_REVOKED");
    const got = await api.call("GET", `/v1/accounts/${tenant.accountId}/tokens/${token.id}`, {
      token: tenant.token,
    });
    assert.equal((got.body as { status: string }).status, "revoked");
  });

  it("refuses missing, malformed, unknown, tampered and expired tokens with 401", async () => {
    const tenant = await newTenant(api, "auth");
    const codeOf = async (authorization?: string) => {
      const res = await api.call("GET", "/v1/whoami", {
        headers: authorization ? { Authorization: authorization } : {},
      });
      assert.equal(res.status, 401);
      assert.match(String(res.headers["www-authenticate"]), /^Bearer/);
      return (res.body as { code: string }).code;
    };
    assert.equal(await codeOf(), "AUTH_MISSING");
    assert.equal(await codeOf("Basic dXNlcjpwYXNz"), "AUTH_INVALID");
    assert.equal(await codeOf("Bearer nonsense"), "AUTH_INVALID");
    const tampered = tenant.token.slice(0, -1) + (tenant.token.endsWith("A") ? "B" : "A");
    assert.equal(await codeOf(`Bearer ${tampered}`), "AUTH_INVALID");
    const unknown = `tsg_${tenant.accountId}zzzzzzzzzzzz_${"A".repeat(43)}`;
    assert.equal(await codeOf(`Bearer ${unknown}`), "AUTH_INVALID");
    assert.equal(
      (await api.call("GET", "/v1/whoami", { headers: { Authorization: `Token ${tenant.token}` } })).status,
      200,
    );

    const expiring = await api.call("POST", `/v1/accounts/${tenant.accountId}/tokens`, {
      token: tenant.token,
      body: {
        name: "short",
        scopes: ["db:x1x:read"],
        expiresAt: new Date(Date.now() + 60_000).toISOString(),
      },
    });
    const secret = (expiring.body as { secret: string }).secret;
    assert.equal((await api.call("GET", "/v1/whoami", { token: secret })).status, 200);
    aheadMs += 60_000;
    assert.equal(await codeOf(`Bearer ${secret}`), "AUTH_EXPIRED");
  });

  it("lets a token grant only what it may", async () => {
    const tenant = await newTenant(api, "granter");
    const platform = await api.call("POST", `/v1/accounts/${tenant.accountId}/tokens`, {
      token: tenant.token,
      body: { name: "escalate", scopes: ["platform:admin"] },
    });
    assert.equal(platform.status, 403);
    assert.equal((platform.body as { code: string }).code, "SCOPE_NOT_GRANTABLE");

    const reader = await api.call("POST", `/v1/accounts/${tenant.accountId}/tokens`, {
      token: tenant.token,
      body: { name: "reader", scopes: ["db:*:read"] },
    });
    const readerSecret = (reader.body as { secret: string }).secret;
    const minted = await api.call("POST", `/v1/accounts/${tenant.accountId}/tokens`, {
      token: readerSecret,
      body: { name: "more", scopes: ["db:*:read"] },
    });
    assert.equal(minted.status, 403);
    assert.equal((minted.body as { code: string }).code, "FORBIDDEN");
    const accounts = await api.call("POST", "/v1/accounts", { token: tenant.token, body: { name: "mine" } });
    assert.equal(accounts.status, 403);
  });

  it("isolates tenants: a token of one account sees nothing of another", async () => {
    const a = await newTenant(api, "tenant-a");
    const b = await newTenant(api, "tenant-b");
    const db = await api.call("POST", "/v1/databases", { token: a.token, body: { name: "secret-db" } });
    assert.equal(db.status, 202);
    const aTokens = await api.call("GET", `/v1/accounts/${a.accountId}/tokens`, { token: a.token });
    const aTokenId = (aTokens.body as { items: { id: string }[] }).items[0]!.id;

    const attempts: [string, string, unknown?][] = [
      ["GET", `/v1/accounts/${a.accountId}`],
      ["PATCH", `/v1/accounts/${a.accountId}`, { name: "mine now" }],
      ["DELETE", `/v1/accounts/${a.accountId}`],
      ["GET", `/v1/accounts/${a.accountId}/tokens`],
      ["POST", `/v1/accounts/${a.accountId}/tokens`, { name: "x", scopes: ["account:admin"] }],
      ["GET", `/v1/accounts/${a.accountId}/tokens/${aTokenId}`],
      ["DELETE", `/v1/accounts/${a.accountId}/tokens/${aTokenId}`],
      ["GET", "/v1/databases/secret-db"],
      ["PATCH", "/v1/databases/secret-db", { size: "large" }],
      ["DELETE", "/v1/databases/secret-db"],
      ["GET", "/v1/databases/secret-db/series"],
      ["POST", "/v1/databases/secret-db/series", { name: "cpu" }],
      ["GET", "/v1/databases/secret-db/series/cpu"],
      ["DELETE", "/v1/databases/secret-db/series/cpu"],
      ["GET", "/v1/accounts"],
    ];
    for (const [method, path, body] of attempts) {
      const res = await api.call(method, path, { token: b.token, body });
      assert.ok([403, 404].includes(res.status), `${method} ${path} by another tenant: ${res.status}`);
      assert.doesNotMatch(JSON.stringify(res.body), /secret-db".*status|tenant-a/);
    }
    const bList = await api.call("GET", "/v1/databases", { token: b.token });
    assert.deepEqual((bList.body as { items: unknown[] }).items, []);
    // a's things are intact
    assert.equal((await api.call("GET", "/v1/databases/secret-db", { token: a.token })).status, 200);
    assert.equal((await api.call("GET", "/v1/whoami", { token: a.token })).status, 200);
  });

  it("keeps a database-scoped token to its database", async () => {
    const tenant = await newTenant(api, "scoped");
    for (const name of ["alpha", "beta"])
      assert.equal(
        (await api.call("POST", "/v1/databases", { token: tenant.token, body: { name } })).status,
        202,
      );
    const reader = await api.call("POST", `/v1/accounts/${tenant.accountId}/tokens`, {
      token: tenant.token,
      body: { name: "alpha reader", scopes: ["db:alpha:read"] },
    });
    const secret = (reader.body as { secret: string }).secret;
    const listed = await api.call("GET", "/v1/databases", { token: secret });
    assert.deepEqual(
      (listed.body as { items: { name: string }[] }).items.map((d) => d.name),
      ["alpha"],
    );
    assert.equal((await api.call("GET", "/v1/databases/alpha", { token: secret })).status, 200);
    assert.equal((await api.call("GET", "/v1/databases/beta", { token: secret })).status, 404);
    const change = await api.call("PATCH", "/v1/databases/alpha", { token: secret, body: { size: "large" } });
    assert.equal((change.body as { code: string }).code, "FORBIDDEN");
    const account = await api.call("GET", `/v1/accounts/${tenant.accountId}`, { token: secret });
    assert.equal(account.status, 200);
  });
});
