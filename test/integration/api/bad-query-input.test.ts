import { strict as assert } from "node:assert";
import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { listenRuntime } from "../../../api/src/server.js";
import { type DataApi, sendText, startDataApi } from "./support/data-plane.js";

/**
 * Input that once got a 5xx (issue 13): every case answers a 4xx problem+json with a stable code
 * and a message saying what is wrong.
 */
describe("guru-api: bad input that once answered 5xx", function () {
  this.timeout(60_000);
  let d: DataApi;
  const base = () => `/v1/databases/${d.db}/series/t`;
  const get = (path: string) => d.api.call("GET", path, { token: d.token });
  const problem = (res: { status: number; body: unknown }, status: number, code: string, detail: RegExp) => {
    const body = res.body as { code: string; detail: string };
    assert.equal(res.status, status, JSON.stringify(body));
    assert.equal(body.code, code);
    assert.match(body.detail, detail);
  };

  before(async () => {
    d = await startDataApi("bad-query", { env: { GURU_API_PORT: "0", GURU_API_METRICS_PORT: "0" } });
    const series = await d.api.call("POST", `/v1/databases/${d.db}/series`, {
      token: d.token,
      body: { name: "t", tags: ["host"], fields: [{ name: "v", type: "long" }] },
    });
    assert.equal(series.status, 201);
    const big = 2n ** 62n;
    const lines = [`t,host=a v=${big}i 1704067200000000000`, `t,host=a v=${big}i 1704067200000000001`];
    assert.equal((await sendText(d.api, `/v1/databases/${d.db}/write`, lines.join("\n"), d)).status, 204);
  });
  after(() => d?.close());

  describe("a NUL in a symbol on the query side", () => {
    it("where=host=\\0 (GET)", async () => {
      problem(await get(`${base()}/query?where=host%3D%00`), 400, "VALIDATION_FAILED", /NUL/);
    });
    it("a where value with NUL (POST)", async () => {
      const res = await d.api.call("POST", `${base()}/query`, {
        token: d.token,
        body: { where: [{ column: "host", op: "in", value: ["a", "\u0000"] }] },
      });
      problem(res, 400, "VALIDATION_FAILED", /NUL/);
    });
    it("last?by=\\0", async () => {
      problem(await get(`${base()}/last?by=%00`), 400, "VALIDATION_FAILED", /column name/);
    });
    it("by and columns with NUL (GET and POST)", async () => {
      problem(await get(`${base()}/query?columns=v%00`), 400, "VALIDATION_FAILED", /column name/);
      const res = await d.api.call("POST", `${base()}/query`, {
        token: d.token,
        body: { by: ["\u0000"], agg: ["count(v)"] },
      });
      problem(res, 400, "VALIDATION_FAILED", /column name/);
    });
  });

  it("sum() of longs past 2^63-1: 422 RESULT_OVERFLOW", async () => {
    problem(await get(`${base()}/query?agg=sum(v)`), 422, "RESULT_OVERFLOW", /sum_v.*long/);
    problem(await get(`${base()}/query?agg=s=sum(v)&by=host`), 422, "RESULT_OVERFLOW", /\bs\b/);
    const exact = await get(`${base()}/query?agg=sum(v)&end=1704067200000000001`);
    assert.deepEqual((exact.body as { values: unknown }).values, { sum_v: [String(2n ** 62n)] });
  });

  it("a bucket wider than a 64-bit timespan", async () => {
    problem(
      await get(`${base()}/query?agg=sum(v)&bucket=99999999999999h`),
      400,
      "VALIDATION_FAILED",
      /bucket/,
    );
  });

  it("an InfluxDB bucket or db that cannot be a database name", async () => {
    const long = "b".repeat(1100);
    for (const path of [`/api/v2/write?bucket=${long}`, `/write?db=${long}`, "/api/v2/write?bucket=A%00"]) {
      const res = await sendText(d.api, path, "t,host=a v=1i 1", d);
      problem(res, 400, "VALIDATION_FAILED", /3 to 40 characters/);
    }
  });

  describe("an over-long request head: 431 problem+json", () => {
    let server: { url: string; close(): Promise<void> };
    before(async () => {
      server = await listenRuntime(d.api.runtime);
    });
    after(() => server.close());

    const send = (path: string, headers: Record<string, string>) =>
      new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
        const req = httpRequest(`${server.url}${path}`, { headers }, (res) => {
          let body = "";
          res.on("data", (chunk: Buffer) => {
            body += chunk.toString();
          });
          res.on("end", () =>
            resolve({ status: res.statusCode ?? 0, type: String(res.headers["content-type"]), body }),
          );
        });
        req.on("error", reject);
        req.end();
      });
    const check = (res: { status: number; type: string; body: string }) => {
      assert.equal(res.status, 431);
      assert.match(res.type, /^application\/problem\+json/);
      const body = JSON.parse(res.body) as { code: string; status: number };
      assert.equal(body.code, "HEADERS_TOO_LARGE");
      assert.equal(body.status, 431);
    };

    it("a URL of 100,000 characters", async () => {
      check(await send(`/v1/whoami?x=${"a".repeat(100_000)}`, {}));
    });
    it("a header of 100,000 characters", async () => {
      check(await send("/v1/whoami", { "X-Big": "a".repeat(100_000) }));
    });
    it("a request line that is not HTTP: 400 MALFORMED_REQUEST", async () => {
      const socket = connect(Number(new URL(server.url).port), "127.0.0.1");
      socket.end("NOT HTTP AT ALL\r\n\r\n");
      let reply = "";
      for await (const chunk of socket) reply += String(chunk);
      assert.match(reply, /^HTTP\/1\.1 400 Bad Request\r\n/);
      assert.match(reply, /Content-Type: application\/problem\+json/);
      const body = JSON.parse(reply.slice(reply.indexOf("\r\n\r\n"))) as { code: string };
      assert.equal(body.code, "MALFORMED_REQUEST");
    });
  });
});
