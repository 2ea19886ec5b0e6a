import { strict as assert } from "node:assert";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import request from "supertest";
import { type DataApi, getText, sendText, startDataApi } from "./support/data-plane.js";
import { newTenant } from "./support/harness.js";

const codeOf = (res: { body: unknown }) => (res.body as { code?: string }).code;
type Result = {
  columns: { name: string; type: string }[];
  values: Record<string, unknown[]>;
  count: number;
  nextCursor: string | null;
};
type Rows = { points: Record<string, unknown>[]; nextCursor: string | null };

/** 2024-01-01T00:00:00Z in ns since 1970 */
const DAY = 1_704_067_200_000_000_000n;
const MIN = 60_000_000_000n;

describe("guru-api data plane: writes and queries on a real guru-engine", function () {
  this.timeout(60_000);
  let d: DataApi;
  let token: string;
  const base = "/v1/databases/metrics";

  const call = (method: string, path: string, body?: unknown) => d.api.call(method, path, { token, body });
  const query = async (qs: string) => {
    const res = await call("GET", `${base}/series/m/query?${qs}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body as Result;
  };

  before(async () => {
    d = await startDataApi("points", {
      env: {
        GURU_API_WRITE_BODY_LIMIT: "1mb",
        GURU_API_QUERY_MAX_ROWS: "20000",
        GURU_API_QUERY_PAGE_ROWS: "4000",
        // large bodies go to worker threads, as on a machine with more than two cores
        GURU_API_PARSE_THREADS: "2",
      },
    });
    token = d.token;
    const cpu = {
      name: "cpu",
      tags: ["host", "region"],
      fields: [
        { name: "usage", type: "float" },
        { name: "temp", type: "real" },
        { name: "n", type: "long" },
        { name: "lvl", type: "int" },
        { name: "ok", type: "boolean" },
        { name: "note", type: "string" },
      ],
    };
    const m = { name: "m", tags: ["host"], fields: [{ name: "v", type: "float" }] };
    for (const body of [cpu, m]) assert.equal((await call("POST", `${base}/series`, body)).status, 201);
  });
  after(() => d?.close());

  describe("JSON points", () => {
    it("writes rows and reads them back exactly: ns timestamps, 64-bit longs, nulls", async () => {
      const res = await call("POST", `${base}/series/cpu/points`, {
        points: [
          {
            time: "2024-01-01T00:00:00.123456789Z",
            host: "a",
            region: "eu",
            usage: 0.5,
            temp: 0.1,
            n: "9223372036854775807",
            lvl: 7,
            ok: true,
            note: "x",
          },
          { time: "2024-01-01T00:00:01Z", host: "b", usage: null, n: -5, note: "" },
        ],
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(res.body, { written: 2 });
      const got = (
        await call("GET", `${base}/series/cpu/query?start=2024-01-01T00:00:00Z&end=2024-01-01T00:00:02Z`)
      ).body as Result;
      assert.deepEqual(got.values.time, ["2024-01-01T00:00:00.123456789Z", "2024-01-01T00:00:01.000000000Z"]);
      assert.deepEqual(got.values.n, ["9223372036854775807", "-5"]);
      assert.deepEqual(got.values.usage, [0.5, null]);
      assert.deepEqual(got.values.temp, [0.1, null]);
      assert.deepEqual(got.values.region, ["eu", null]);
      assert.deepEqual(got.values.lvl, [7, null]);
      assert.deepEqual(got.values.ok, [true, false]);
      assert.deepEqual(got.values.note, ["x", ""]);
      assert.deepEqual(
        got.columns.map((c) => c.type),
        ["timestamp", "symbol", "symbol", "float", "real", "long", "int", "boolean", "string"],
      );
    });

    it("writes columnar JSON with integer timestamps in a precision", async () => {
      const ms = Number((DAY + 2n * MIN) / 1_000_000n);
      const res = await d.api.call("POST", `${base}/series/cpu/points?precision=ms`, {
        token,
        body: { columns: { time: [ms, ms + 1], host: ["c", "c"], usage: [1, 2] } },
      });
      assert.deepEqual(res.body, { written: 2 });
      const got = (await call("GET", `${base}/series/cpu/query?where=host=c&epoch=ms`)).body as Result;
      assert.deepEqual(got.values.time, [String(ms), String(ms + 1)]);
    });

    it("refuses a batch with any bad value, listing each, and writes nothing", async () => {
      const res = await call("POST", `${base}/series/cpu/points`, {
        points: [
          { time: "2024-01-01T00:00:00Z", host: "z", usage: "high" },
          { host: "z" },
          { time: "2024-01-01T00:00:00Z", host: "z", bogus: 1 },
          { time: "2024-01-01T00:00:00Z", host: "z", lvl: 3_000_000_000, n: 2 ** 60 },
        ],
      });
      assert.equal(res.status, 400);
      const paths = (res.body as { errors: { path: unknown[] }[] }).errors.map((e) => e.path.join("."));
      assert.deepEqual(
        paths,
        [
          "body.points.0.usage",
          "body.points.1.time",
          "body.points.2.bogus",
          "body.points.3.n",
          "body.points.3.lvl",
        ].sort((a, b) => paths.indexOf(a) - paths.indexOf(b)),
      );
      const none = (await call("GET", `${base}/series/cpu/query?where=host=z`)).body as Result;
      assert.equal(none.count, 0);
      assert.equal(
        codeOf(
          await call("POST", `${base}/series/nope/points`, { points: [{ time: "2024-01-01T00:00:00Z" }] }),
        ),
        "SERIES_NOT_FOUND",
      );
    });
  });

  describe("line protocol", () => {
    it("writes every field type and escape, exactly", async () => {
      const lines = [
        `cpu,host=lp\\ 1,region=e\\,u usage=1.5,temp=2,n=9223372036854775807i,lvl=-3i,ok=t,note="say \\"hi\\"" ${DAY + 10n * MIN + 1n}`,
        `cpu,host=lp\\ 1 usage=-1e3,n=12u,ok=FALSE,note="a,b=c d" ${DAY + 10n * MIN + 2n}`,
        "# a comment",
        "",
      ].join("\n");
      const res = await sendText(d.api, `${base}/write`, lines, { token });
      assert.equal(res.status, 204, res.text);
      const got = (await call("GET", `${base}/series/cpu/query?where=${encodeURIComponent("host=lp 1")}`))
        .body as Result;
      assert.deepEqual(got.values.time, ["2024-01-01T00:10:00.000000001Z", "2024-01-01T00:10:00.000000002Z"]);
      assert.deepEqual(got.values.region, ["e,u", null]);
      assert.deepEqual(got.values.usage, [1.5, -1000]);
      assert.deepEqual(got.values.n, ["9223372036854775807", "12"]);
      assert.deepEqual(got.values.lvl, [-3, null]);
      assert.deepEqual(got.values.ok, [true, false]);
      assert.deepEqual(got.values.note, ['say "hi"', "a,b=c d"]);
    });

    it("keeps the good lines of a partial write and reports each bad one (400)", async () => {
      const lines = [
        `cpu,host=p usage=1 ${DAY + 20n * MIN}`,
        `cpu,host=p usage="text" ${DAY + 20n * MIN}`,
        `cpu,host=p newfield=1 ${DAY + 20n * MIN}`,
        "cpu,host=p",
        `cpu,host=p usage=2 ${DAY + 21n * MIN}`,
        `cpu,host=p n=-9223372036854775808i ${DAY + 21n * MIN}`,
        `cpu,host=p usage=1 notatime`,
      ].join("\n");
      const res = await sendText(d.api, `${base}/write`, lines, { token });
      assert.equal(res.status, 400);
      const body = res.body as {
        code: string;
        written: number;
        rejected: number;
        lines: { line: number; reason: string }[];
      };
      assert.equal(body.code, "POINTS_REJECTED");
      assert.equal(body.written, 2);
      assert.equal(body.rejected, 5);
      assert.deepEqual(
        body.lines.map((l) => l.line),
        [2, 3, 4, 6, 7],
      );
      assert.match(body.lines[1]!.reason, /no column newfield/);
      const got = (await call("GET", `${base}/series/cpu/query?where=host=p`)).body as Result;
      assert.deepEqual(got.values.usage, [1, 2]);
    });

    it("parses a large body in worker threads: every good line written, each bad one reported", async () => {
      const lines = Array.from({ length: 6_000 }, (_, i) =>
        i % 2000 === 1999
          ? `cpu,host=big usage="${i}" ${DAY + BigInt(i)}`
          : i % 3 === 0
            ? `bigmem,host=big used=${i}i ${DAY + BigInt(i)}`
            : `cpu,host=big usage=${i}.25,n=${i}i ${DAY + BigInt(i)}`,
      );
      const body = lines.join("\n");
      assert.ok(body.length > 64 * 1024, "past the size that goes to a worker");
      const res = await sendText(d.api, `${base}/write`, body, { token });
      assert.equal(res.status, 400, res.text);
      const report = res.body as { written: number; rejected: number; lines: { line: number }[] };
      assert.deepEqual(
        report.lines.map((l) => l.line),
        [2000, 4000, 6000],
      );
      assert.equal(report.written, 5_997);
      const cpu = (await call("GET", `${base}/series/cpu/query?where=host=big&limit=5000`)).body as Result;
      const bad = (i: number) => i % 2000 === 1999;
      const expected = lines.flatMap((_, i) => (i % 3 !== 0 && !bad(i) ? [i] : []));
      assert.deepEqual(cpu.values.n, expected.map(String));
      assert.deepEqual(
        cpu.values.usage,
        expected.map((i) => i + 0.25),
      );
      const mem = (await call("GET", `${base}/series/bigmem/query?limit=5000`)).body as Result;
      assert.equal(mem.count, lines.filter((_, i) => i % 3 === 0 && !bad(i)).length);
    });

    it("reports each bad line once when the same write also creates a series", async () => {
      const lines = [`mem,host=p used=1i ${DAY}`, "not a line", `mem,host=p used="x" ${DAY + MIN}`].join(
        "\n",
      );
      const res = await sendText(d.api, `${base}/write`, lines, { token });
      assert.equal(res.status, 400);
      const body = res.body as { written: number; rejected: number; lines: { line: number }[] };
      assert.equal(body.written, 1);
      assert.equal(body.rejected, 2);
      assert.deepEqual(
        body.lines.map((l) => l.line),
        [2, 3],
      );
    });

    it("creates the series of a new measurement (tags → symbols, fields → typed columns)", async () => {
      const res = await sendText(
        d.api,
        `${base}/write`,
        `disk,device=sda free=10i,pct=0.5,ro=f,label="x"\ndisk,device=sdb,mount=/ free=20i`,
        { token },
      );
      assert.equal(res.status, 204, res.text);
      const series = (await call("GET", `${base}/series/disk`)).body as { columns: unknown[] };
      assert.deepEqual(series.columns, [
        { name: "time", type: "timestamp", tag: false },
        { name: "device", type: "symbol", tag: true },
        { name: "mount", type: "symbol", tag: true },
        { name: "free", type: "long", tag: false },
        { name: "pct", type: "float", tag: false },
        { name: "ro", type: "boolean", tag: false },
        { name: "label", type: "string", tag: false },
      ]);
      const got = (await call("GET", `${base}/series/disk/query`)).body as Result;
      assert.deepEqual(got.values.free, ["10", "20"]);
      const bad = await sendText(d.api, `${base}/write`, "bad-name v=1\nselect v=1", { token });
      assert.equal(codeOf(bad), "POINTS_REJECTED");
    });

    it("speaks the InfluxDB v1 and v2 write APIs, gzip, precisions and Token auth", async () => {
      const v2 = await sendText(
        d.api,
        "/api/v2/write?bucket=metrics&org=acme&precision=ms",
        `cpu,host=v2 usage=1 ${DAY / 1_000_000n}`,
        {
          token,
          gzip: true,
        },
      );
      assert.equal(v2.status, 204, v2.text);
      const v1 = await sendText(
        d.api,
        "/write?db=metrics&precision=s",
        `cpu,host=v1 usage=2 ${DAY / 1_000_000_000n + 1n}`,
        {
          authorization: `Bearer ${token}`,
        },
      );
      assert.equal(v1.status, 204, v1.text);
      const got = (await call("GET", `${base}/series/cpu/query?where=${encodeURIComponent("host in v1|v2")}`))
        .body as Result;
      assert.deepEqual(got.values.time, ["2024-01-01T00:00:00.000000000Z", "2024-01-01T00:00:01.000000000Z"]);
      const ping = await request(d.api.runtime.app).get("/ping");
      assert.equal(ping.status, 204);
    });

    it("answers 401, 403, 404 and 413 as InfluxDB clients expect", async () => {
      assert.equal((await sendText(d.api, `${base}/write`, "cpu usage=1")).status, 401);
      assert.equal(
        (await sendText(d.api, `${base}/write`, "cpu usage=1", { authorization: "Token tsg_nope" })).status,
        401,
      );
      const tenant = await newTenant(d.api, "points-reader");
      const reader = await d.api.call("POST", `/v1/accounts/${d.accountId}/tokens`, {
        token,
        body: { name: "reader", scopes: ["db:metrics:read"] },
      });
      const readOnly = (reader.body as { secret: string }).secret;
      assert.equal(
        codeOf(await sendText(d.api, `${base}/write`, "cpu usage=1", { token: readOnly })),
        "FORBIDDEN",
      );
      assert.equal(
        codeOf(await sendText(d.api, "/api/v2/write?bucket=metrics", "cpu usage=1", { token: tenant.token })),
        "DATABASE_NOT_FOUND",
      );
      const big = `${"cpu,host=big usage=1\n".repeat(60_000)}`;
      const tooBig = await sendText(d.api, `${base}/write`, big, { token, gzip: true });
      assert.equal(tooBig.status, 413);
      assert.equal(codeOf(tooBig), "PAYLOAD_TOO_LARGE");
    });
  });

  describe("queries", () => {
    before(async () => {
      // host a: v 1, 2, 3, 6 at minutes 0, 1, 2, 5; host b: 10, 40 at minutes 0, 3
      const at = (minute: bigint) => DAY + minute * MIN;
      const lines = [
        `m,host=a v=1 ${at(0n)}`,
        `m,host=a v=2 ${at(1n)}`,
        `m,host=a v=3 ${at(2n)}`,
        `m,host=a v=6 ${at(5n)}`,
        `m,host=b v=10 ${at(0n)}`,
        `m,host=b v=40 ${at(3n)}`,
      ].join("\n");
      assert.equal((await sendText(d.api, `${base}/write`, lines, { token })).status, 204);
    });

    const range = "start=2024-01-01T00:00:00Z&end=2024-01-01T00:06:00Z";

    it("filters a range (end excluded), orders, and picks columns", async () => {
      const got = await query(`start=2024-01-01T00:01:00Z&end=2024-01-01T00:05:00Z&order=desc&columns=v`);
      assert.deepEqual(
        got.columns.map((c) => c.name),
        ["time", "v"],
      );
      assert.deepEqual(got.values.v, [40, 3, 2]);
    });

    it("applies every where operator", async () => {
      const v = async (where: string) => (await query(`where=${encodeURIComponent(where)}`)).values.v;
      assert.deepEqual(await v("host=b"), [10, 40]);
      assert.deepEqual(await v("host!=b;v>=3"), [3, 6]);
      assert.deepEqual(await v("v<2"), [1]);
      assert.deepEqual(await v("v<=2;v>1"), [2]);
      assert.deepEqual(await v("v in 1|6|40"), [1, 40, 6]);
      assert.deepEqual(await v("v within 2|10"), [10, 2, 3, 6]);
      assert.deepEqual(await v("host like [b]*"), [10, 40]);
      const post = await call("POST", `${base}/series/m/query`, {
        where: [
          { column: "v", op: "in", value: [2, 3] },
          { column: "host", op: "=", value: "a" },
        ],
      });
      assert.deepEqual((post.body as Result).values.v, [2, 3]);
      const unknown = await call("GET", `${base}/series/m/query?where=nope=1`);
      assert.equal(unknown.status, 400);
      const mistyped = await call("GET", `${base}/series/m/query?where=v=abc`);
      assert.equal(mistyped.status, 400);
    });

    it("computes every aggregate (stddev and median included) over a group", async () => {
      const got = await query(
        `where=host=a&agg=first(v),last(v),min(v),max(v),sum(v),avg(v),count(v),sd=stddev(v),med=median(v)`,
      );
      const row = Object.fromEntries(Object.entries(got.values).map(([k, vs]) => [k, vs[0]]));
      assert.deepEqual(row, {
        first_v: 1,
        last_v: 6,
        min_v: 1,
        max_v: 6,
        sum_v: 12,
        avg_v: 3,
        count_v: "4",
        sd: Math.sqrt(3.5),
        med: 2.5,
      });
    });

    it("groups by tags and buckets time", async () => {
      const got = await query(`${range}&by=host&bucket=1m&agg=m=max(v)`);
      assert.deepEqual(got.values.host, ["a", "b", "a", "a", "b", "a"]);
      assert.deepEqual(got.values.m, [1, 10, 2, 3, 40, 6]);
      assert.equal(got.values.time?.[0], "2024-01-01T00:00:00.000000000Z");
    });

    it("fills empty buckets: none, null, zero, prev, linear", async () => {
      const bucket4 = async (fill: string) => {
        const got = await query(`${range}&bucket=1m&agg=a=avg(v),c=count(v)&fill=${fill}`);
        const i = got.values.time?.indexOf("2024-01-01T00:04:00.000000000Z") ?? -1;
        return i < 0 ? undefined : [got.values.a?.[i], got.values.c?.[i]];
      };
      assert.equal(await bucket4("none"), undefined);
      assert.deepEqual(await bucket4("null"), [null, "0"]);
      assert.deepEqual(await bucket4("zero"), [0, "0"]);
      assert.deepEqual(await bucket4("prev"), [40, "1"]);
      assert.deepEqual(await bucket4("linear"), [23, "1"]);
    });

    it("answers row-oriented JSON, JSON Lines and CSV (by format= or Accept)", async () => {
      const rows = (await call("GET", `${base}/series/m/query?where=host=b&format=rows`)).body as Rows;
      assert.deepEqual(rows.points, [
        { time: "2024-01-01T00:00:00.000000000Z", host: "b", v: 10 },
        { time: "2024-01-01T00:03:00.000000000Z", host: "b", v: 40 },
      ]);
      const jsonl = await getText(
        d.api,
        `${base}/series/m/query?where=host=b`,
        token,
        "application/x-ndjson",
      );
      assert.match(String(jsonl.headers["content-type"]), /application\/x-ndjson/);
      assert.deepEqual(
        jsonl.text
          .trim()
          .split("\n")
          .map((l) => JSON.parse(l)),
        rows.points,
      );
      const csv = await getText(d.api, `${base}/series/m/query?where=host=b&format=csv&epoch=s`, token);
      assert.equal(csv.text, "time,host,v\r\n1704067200,b,10\r\n1704067380,b,40\r\n");
    });

    it("answers the latest point per tag group", async () => {
      const got = (await call("GET", `${base}/series/m/last?by=host`)).body as Result;
      assert.deepEqual(got.values.host, ["a", "b"]);
      assert.deepEqual(got.values.v, [6, 40]);
      const one = (await call("GET", `${base}/series/m/last`)).body as Result;
      assert.deepEqual(one.values.v, [6]);
    });
  });

  describe("large results", () => {
    const ROWS = 25_000;
    before(async () => {
      await call("POST", `${base}/series`, { name: "big", fields: [{ name: "v", type: "long" }] });
      const lines = Array.from({ length: ROWS }, (_, i) => `big v=${i}i ${DAY + BigInt(i) * 1000n}`).join(
        "\n",
      );
      const res = await sendText(d.api, `${base}/write`, lines, { token, gzip: true });
      assert.equal(res.status, 204, res.text);
    });

    it("pages through with limit and cursor, every row once, in order", async () => {
      let cursor: string | null = null;
      const seen: unknown[] = [];
      let pages = 0;
      do {
        const path: string = `${base}/series/big/query?limit=7000${cursor === null ? "" : `&cursor=${cursor}`}`;
        const page = (await call("GET", path)).body as Result;
        seen.push(...(page.values.v ?? []));
        cursor = page.nextCursor;
        pages++;
      } while (cursor !== null);
      assert.equal(pages, 4);
      assert.deepEqual(
        seen,
        Array.from({ length: ROWS }, (_, i) => String(i)),
      );
    });

    it("refuses an unpaged JSON result over the row limit, and streams it as JSON Lines", async () => {
      const tooLarge = await call("GET", `${base}/series/big/query`);
      assert.equal(codeOf(tooLarge), "RESULT_TOO_LARGE");
      const streamed = await getText(d.api, `${base}/series/big/query?format=jsonl`, token);
      const lines = streamed.text.trim().split("\n");
      assert.equal(lines.length, ROWS);
      assert.deepEqual(JSON.parse(lines[ROWS - 1]!), {
        time: "2024-01-01T00:00:00.024999000Z",
        v: String(ROWS - 1),
      });
      const csvPage = await getText(d.api, `${base}/series/big/query?format=csv&limit=10`, token);
      assert.equal(csvPage.text.trim().split("\r\n").length, 11);
      assert.ok(csvPage.headers["x-next-cursor"]);
    });
  });

  describe("CSV import", () => {
    it("streams an upload as a job: good rows written, bad rows reported by line", async () => {
      const csv = [
        "time,host,usage,n,note",
        '2024-01-02T00:00:00Z,imp,1.5,7,"hello, world"',
        "2024-01-02T00:00:01Z,imp,notanumber,7,x",
        '2024-01-02T00:00:02Z,imp,2.5,9223372036854775807,"multi',
        'line ""quoted"""',
        "bad-time,imp,1,1,x",
        "2024-01-02T00:00:03Z,imp,3",
      ].join("\r\n");
      const res = await sendText(d.api, `${base}/series/cpu/import`, csv, {
        token,
        contentType: "text/csv",
        gzip: true,
      });
      assert.equal(res.status, 202, res.text);
      const job = res.body as {
        id: string;
        status: string;
        rowsRead: number;
        rowsWritten: number;
        rowsRejected: number;
        rejections: { line: number }[];
      };
      assert.equal(res.headers.location, `/v1/jobs/${job.id}`);
      assert.equal(job.status, "succeeded");
      assert.deepEqual([job.rowsRead, job.rowsWritten, job.rowsRejected], [5, 2, 3]);
      assert.deepEqual(
        job.rejections.map((r) => r.line),
        [3, 6, 7],
      );
      assert.deepEqual((await call("GET", `/v1/jobs/${job.id}`)).body, job);
      const got = (await call("GET", `${base}/series/cpu/query?where=host=imp`)).body as Result;
      assert.deepEqual(
        got.values.note,
        ["hello, world", 'multi\r\nline "quoted"'] /* a quoted line break is data */,
      );
      assert.deepEqual(got.values.n, ["7", "9223372036854775807"]);
    });

    it("refuses an upload without a usable header before starting a job", async () => {
      for (const csv of ["", "host,usage\na,1", "time,nope\n2024-01-01T00:00:00Z,1"]) {
        const res = await sendText(d.api, `${base}/series/cpu/import`, csv, {
          token,
          contentType: "text/csv",
        });
        assert.equal(codeOf(res), "MALFORMED_BODY", csv);
      }
      const wrongType = await sendText(d.api, `${base}/series/cpu/import`, "time\n", {
        token,
        contentType: "application/json",
      });
      assert.equal(codeOf(wrongType), "UNSUPPORTED_MEDIA_TYPE");
    });
  });

  describe("tenant isolation", () => {
    it("shows another tenant's database, series and jobs as absent on every data route", async () => {
      const other = await newTenant(d.api, "points-other");
      const t = other.token;
      const expect404 = (res: { status: number }) => assert.equal(res.status, 404);
      expect404(
        await d.api.call("POST", `${base}/series/cpu/points`, {
          token: t,
          body: { points: [{ time: "2024-01-01T00:00:00Z" }] },
        }),
      );
      expect404(await sendText(d.api, `${base}/write`, "cpu usage=1", { token: t }));
      expect404(await sendText(d.api, "/write?db=metrics", "cpu usage=1", { token: t }));
      expect404(await d.api.call("GET", `${base}/series/cpu/query`, { token: t }));
      expect404(await d.api.call("POST", `${base}/series/cpu/query`, { token: t, body: {} }));
      expect404(await d.api.call("GET", `${base}/series/cpu/last`, { token: t }));
      expect404(
        await sendText(d.api, `${base}/series/cpu/import`, "time\n", { token: t, contentType: "text/csv" }),
      );
      const job = await sendText(d.api, `${base}/series/cpu/import`, "time\n2024-01-03T00:00:00Z", {
        token,
        contentType: "text/csv",
      });
      expect404(await d.api.call("GET", `/v1/jobs/${(job.body as { id: string }).id}`, { token: t }));
    });
  });

  it("gzip bodies that are not gzip are a 400, not a crash", async () => {
    const res = await request(d.api.runtime.app)
      .post(`${base}/write`)
      .set("Authorization", `Token ${token}`)
      .set("Content-Encoding", "gzip")
      .send(Buffer.from("cpu usage=1"));
    assert.equal(res.status, 400);
    const br = await request(d.api.runtime.app)
      .post(`${base}/write`)
      .set("Authorization", `Token ${token}`)
      .set("Content-Encoding", "br")
      .send(gzipSync("cpu usage=1"));
    assert.equal(br.status, 415);
  });

  describe("generated bad input on the data routes: 4xx, never 5xx", () => {
    const below500 = (res: { status: number; text?: string }, what: string) =>
      assert.ok(res.status < 500, `${what} → ${res.status}: ${res.text ?? ""}`);
    const lpChars = fc.constantFrom(
      "c",
      "p",
      "u",
      "=",
      ",",
      " ",
      "\\",
      '"',
      "\n",
      "1",
      "i",
      "u",
      "t",
      "-",
      ".",
      "e",
      "#",
    );

    it("line protocol bodies", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.string(),
            fc.array(lpChars, { maxLength: 60 }).map((cs) => cs.join("")),
          ),
          async (body) => {
            const res = await sendText(d.api, `${base}/write?precision=s`, `cpu,host=f ${body}\n${body}`, {
              token,
            });
            below500(res, JSON.stringify(body));
          },
        ),
        { numRuns: 150 },
      );
    });

    it("CSV uploads", async () => {
      const cell = fc.oneof(
        fc.string({ maxLength: 8 }),
        fc.constantFrom("2024-01-01T00:00:00Z", "1", '"', "x,y", "\n"),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(fc.array(cell, { maxLength: 6 }), { maxLength: 6 }), async (rows) => {
          const csv = ["time,host,usage", ...rows.map((r) => r.join(","))].join("\n");
          const res = await sendText(d.api, `${base}/series/cpu/import`, csv, {
            token,
            contentType: "text/csv",
          });
          below500(res, JSON.stringify(csv));
        }),
        { numRuns: 60 },
      );
    });

    it("query parameters and bodies", async () => {
      const text = fc.oneof(
        fc.string({ maxLength: 20 }),
        fc.constantFrom("v>1", "host in a|b", "avg(v)", "1m", "0s", "nope(v)", "-1", "2024-01-01T00:00:00Z"),
      );
      const params = fc.record(
        {
          start: text,
          end: text,
          where: text,
          by: text,
          bucket: text,
          agg: text,
          fill: text,
          limit: text,
          cursor: text,
          columns: text,
          epoch: text,
        },
        { requiredKeys: [] },
      );
      await fc.assert(
        fc.asyncProperty(params, fc.jsonValue(), async (p, body) => {
          const qs = new URLSearchParams(p as Record<string, string>).toString();
          below500(await call("GET", `${base}/series/m/query?${qs}`), qs);
          below500(
            await call("POST", `${base}/series/m/query`, {
              ...p,
              where: [{ column: "v", op: "in", value: body }],
            }),
            JSON.stringify(body),
          );
        }),
        { numRuns: 120 },
      );
    });
  });
});
