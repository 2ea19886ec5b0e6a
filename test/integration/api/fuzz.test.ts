import { strict as assert } from "node:assert";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { pino } from "pino";
import { LocalProvisioner } from "../../../api/src/provisioning/local-provisioner.js";
import { type Listening, listenRuntime } from "../../../api/src/server.js";
import { newTenant, startTestApi, type TestApi, waitForStatus } from "./support/harness.js";
import { type Hints, type Mutant, type Schema, SchemaArbitraries } from "./support/schema-arbitrary.js";

/**
 * Fuzzing every operation of the OpenAPI document the app serves (so a new route is fuzzed
 * without editing this file), over real HTTP against the app on a port, on a real guru-engine
 * (local provisioner, engines as child processes, as `make run` runs them):
 *
 * - valid input, generated from the operation's schemas (path, query and header parameters,
 *   JSON bodies; line protocol and CSV from small grammars), with fixture ids, column names and
 *   expressions mixed in so requests get past "not found" into the handlers: never a 5xx, and
 *   every answer as the document says (the body of a documented status by its schema, any
 *   other status a problem+json with its registered code);
 * - the same requests with one part mutated so that its schema refuses it (checked with ajv):
 *   always a 4xx problem+json.
 *
 * Fixed seed and budget. The fuzzing tokens cannot revoke themselves, nor delete or shrink the
 * accounts and the database they work in: those ids are left out of the pools of destructive
 * operations (the server would rightly do what it is asked). At the end the API and the engine
 * still serve: nothing crashed. About 2,400 requests in 30 s; `FUZZ_REPORT=1` prints the statuses
 * each operation answered, `FUZZ_TRACE=1` every request.
 */

const SEED = 1313;
const VALID_RUNS = 50;
const INVALID_RUNS = 25;

interface Parameter {
  in: "path" | "query" | "header";
  name: string;
  required?: boolean;
  schema: Schema;
}
interface Operation {
  method: string;
  template: string;
  secured: boolean;
  parameters: Parameter[];
  /** media type → schema */
  body?: Record<string, Schema>;
}
interface Request {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** what was made invalid, when something was */
  change?: string;
}

describe("guru-api fuzzing: every route of /openapi.json with generated input", function () {
  this.timeout(180_000);
  let api: TestApi;
  let listening: Listening;
  let dataDir: string;
  let arbs: SchemaArbitraries;
  let operations: Operation[];
  const tokens: Record<"platform" | "tenant" | "reader" | "writer" | "other", string> = {
    platform: "",
    tenant: "",
    reader: "",
    writer: "",
    other: "",
  };
  /** ids the generators draw from; filled in `before` and as responses name new ones */
  const pools = {
    accountId: [] as string[],
    tokenId: [] as string[],
    db: [] as string[],
    series: ["cpu", "m", "lp", "nosuch"],
    jobId: [] as string[],
    cursor: [] as string[],
    etag: ['"1"', '"2"', '"3"'],
  };
  /** never revoked, deleted or changed by the fuzzer */
  const protectedIds = new Set<string>();
  const db = "fuzz-db";
  let tenantAccount = "";
  const seen = new Map<string, Map<number, number>>();

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "guru-api-fuzz-"));
    const provisioner = new LocalProvisioner({
      dataDir,
      launch: "process",
      logger: pino({ level: process.env.TEST_LOG ?? "silent" }),
    });
    api = await startTestApi({
      provisioner,
      env: {
        GURU_API_DATA_DIR: dataDir,
        GURU_API_HOST: "127.0.0.1",
        GURU_API_PORT: "0",
        GURU_API_METRICS_PORT: "0",
        // every account the fuzzer creates may have one database: engines stay few
        GURU_API_DEFAULT_MAX_DATABASES: "1",
        GURU_API_DEFAULT_MAX_STORAGE_GIB: "4",
      },
    });
    listening = await listenRuntime(api.runtime);
    tokens.platform = api.admin.token;
    const tenant = await newTenant(api, "fuzz", ["account:admin", "db:*:read", "db:*:write"], {
      maxDatabases: 3,
      maxStorageGiB: 8,
    });
    tokens.tenant = tenant.token;
    tenantAccount = tenant.accountId;
    const mint = async (accountId: string, scopes: string[]) => {
      const res = await api.call("POST", `/v1/accounts/${accountId}/tokens`, {
        token: api.admin.token,
        body: { name: "fuzz", scopes },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body as { secret: string; token: { id: string } };
    };
    const reader = await mint(tenant.accountId, [`db:${db}:read`]);
    const writer = await mint(tenant.accountId, [`db:${db}:write`]);
    tokens.reader = reader.secret;
    tokens.writer = writer.secret;
    const other = await newTenant(api, "fuzz-other", ["db:*:read"]);
    tokens.other = other.token;
    for (const id of [
      api.admin.accountId,
      api.admin.tokenId,
      tenant.accountId,
      tenant.tokenId,
      reader.token.id,
      writer.token.id,
      other.accountId,
      other.tokenId,
      db,
      "cpu", // the series every generated line writes to
    ])
      protectedIds.add(id);
    // what the fuzzer may revoke and delete
    const victims = await Promise.all([0, 1, 2, 3].map(() => mint(tenant.accountId, ["db:*:read"])));
    for (const account of ["victim-1", "victim-2"]) {
      const res = await api.call("POST", "/v1/accounts", { token: api.admin.token, body: { name: account } });
      pools.accountId.push((res.body as { id: string }).id);
    }
    pools.accountId.push(tenant.accountId, other.accountId, api.admin.accountId);
    pools.tokenId.push(
      ...victims.map((v) => v.token.id),
      tenant.tokenId,
      reader.token.id,
      other.tokenId,
      api.admin.tokenId,
    );

    const created = await api.call("POST", "/v1/databases", {
      token: tokens.tenant,
      body: { name: db, size: "dev", storage: { stripes: 1, stripeSizeGiB: 1 } },
    });
    assert.equal(created.status, 202, JSON.stringify(created.body));
    await waitForStatus(api, tokens.tenant, db, "ready", 30_000);
    pools.db.push(db, "nosuch-db");
    const cpu = {
      name: "cpu",
      tags: ["host", "region"],
      fields: COLUMNS.filter((c) => c.type !== "tag").map(({ name, type }) => ({ name, type })),
    };
    const m = { name: "m", tags: ["host"], fields: [{ name: "v", type: "float" }] };
    for (const body of [cpu, m]) {
      const res = await api.call("POST", `/v1/databases/${db}/series`, { token: tokens.tenant, body });
      assert.equal(res.status, 201, JSON.stringify(res.body));
    }
    const lines = Array.from(
      { length: 50 },
      (_, i) =>
        `cpu,host=h${i % 3},region=eu usage=${i / 10},n=${i}i,ok=true,note="n${i}" ${T0 + BigInt(i) * SEC}`,
    );
    const res = await send({
      method: "POST",
      path: `/v1/databases/${db}/write`,
      headers: auth(tokens.tenant),
      body: lines.join("\n"),
    });
    assert.equal(res.status, 204, res.text);

    const document = api.validator.document;
    arbs = new SchemaArbitraries(document);
    operations = Object.entries(document.paths as Record<string, Record<string, Schema>>).flatMap(
      ([template, methods]) =>
        Object.entries(methods).map(([method, op]) => ({
          method: method.toUpperCase(),
          template,
          secured: (op.security as unknown[]).length > 0,
          parameters: (op.parameters ?? []) as Parameter[],
          body: (op.requestBody as { content?: Record<string, { schema: Schema }> } | undefined)?.content
            ? Object.fromEntries(
                Object.entries(
                  (op.requestBody as { content: Record<string, { schema: Schema }> }).content,
                ).map(([type, c]) => [type, c.schema]),
              )
            : undefined,
        })),
    );
    assert.ok(operations.length >= 29, `only ${operations.length} operations`);
  });

  after(async () => {
    if (seen.size > 0 && process.env.FUZZ_REPORT) {
      for (const [op, statuses] of seen)
        process.stdout.write(`      ${op}: ${[...statuses].map(([s, n]) => `${s}×${n}`).join(" ")}\n`);
    }
    await listening?.close();
    await api?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const auth = (token: string): Record<string, string> => ({ Authorization: `Bearer ${token}` });

  /** sends over HTTP; parses JSON answers; checks the answer against the document */
  const send = async (req: Request) => {
    const t0 = Date.now();
    const res = await send0(req);
    if (process.env.FUZZ_TRACE)
      process.stderr.write(
        `${Date.now() - t0}ms ${res.status} ${req.method} ${req.path.slice(0, 160)} ${res.text.slice(0, 160)}\n`,
      );
    return res;
  };
  const send0 = async (req: Request) => {
    const res = await fetch(`${listening.url}${req.path}`, {
      method: req.method,
      headers: req.headers,
      body: req.body,
      redirect: "manual",
      // an answer that does not come is a failure too
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    const headers = Object.fromEntries(res.headers);
    const contentType = headers["content-type"] ?? "";
    let body: unknown = text;
    if (/json/.test(contentType) && !/jsonl|ndjson/.test(contentType) && text !== "") {
      try {
        body = JSON.parse(text);
      } catch {
        assert.fail(
          `${describeRequest(req)} → ${res.status}: ${contentType} that is not JSON: ${text.slice(0, 300)}`,
        );
      }
    }
    return { status: res.status, headers, body, text };
  };

  const describeRequest = (req: Request) =>
    `${req.method} ${req.path}${req.change ? ` [invalid: ${req.change}]` : ""}\n  headers ${JSON.stringify(
      Object.fromEntries(Object.entries(req.headers).filter(([k]) => k !== "Authorization")),
    )}\n  body ${req.body === undefined ? "none" : JSON.stringify(req.body.slice(0, 2000))}`;

  /**
   * fixture ids and expressions by parameter and property name; the pool of `target` (what a
   * DELETE or PATCH acts on) leaves the protected ids out
   */
  const hintsFor = (target: string | undefined): Hints => {
    const pick = (pool: string[], name?: string) =>
      fc.nat().map((i) => {
        const usable = pool.filter((v) => !(name !== undefined && name === target && protectedIds.has(v)));
        return usable.length === 0 ? "nothing-to-pick" : usable[i % usable.length];
      });
    const column = fc.constantFrom(...COLUMNS.map((c) => c.name), "v", "time", "nosuch");
    const time = fc.oneof(
      fc.constantFrom("2024-01-01T00:00:00Z", "2024-01-01T00:00:30.5Z", "2023-12-31T23:00:00+01:00", "now"),
      fc.bigInt({ min: 0n, max: T0 * 2n }).map(String),
      fc.integer({ min: 0, max: 1_800_000_000 }),
    );
    const agg = fc
      .tuple(
        fc.constantFrom(
          "mean",
          "avg",
          "sum",
          "count",
          "min",
          "max",
          "first",
          "last",
          "median",
          "stddev",
          "nosuch",
        ),
        column,
      )
      .map(([f, c]) => `${f}(${c})`);
    const whereText = fc
      .tuple(
        column,
        fc.constantFrom("=", "!=", ">", "<=", " in ", "~"),
        fc.constantFrom("h1", "0.5", "3", "a|b", "true", ""),
      )
      .map(([c, op, v]) => `${c}${op}${v}`);
    return {
      accountId:
        target === "accountId"
          ? pick(pools.accountId, "accountId")
          : fc.oneof({ weight: 3, arbitrary: fc.constant(tenantAccount) }, pick(pools.accountId)),
      region: fc.constant("us-east-1"),
      engine: fc.constant("guru-engine"),
      stripes: fc.constantFrom(1, 2),
      stripeSizeGiB: fc.constantFrom(1, 2),
      points: fc.array(
        fc.record(
          {
            time: fc.constantFrom("2024-01-01T00:00:00Z", "2024-01-01T00:01:00.000000001Z"),
            host: fc.constantFrom("h1", "h2"),
            usage: fc.double({ noNaN: true, noDefaultInfinity: true }),
            n: fc.oneof(fc.integer(), fc.constant("9223372036854775807")),
            ok: fc.boolean(),
            note: fc.string({ maxLength: 8 }),
          },
          { requiredKeys: ["time"] },
        ),
        { minLength: 1, maxLength: 4 },
      ),
      // InfluxQL (`/query`)
      q: fc.oneof(
        fc.constantFrom(
          "SHOW MEASUREMENTS",
          "SHOW DATABASES",
          'SHOW TAG VALUES FROM cpu WITH KEY = "host"',
          "SHOW FIELD KEYS FROM cpu",
          "SELECT * FROM cpu LIMIT 3",
        ),
        fc
          .tuple(
            agg,
            fc.constantFrom("cpu", "m", "nosuch", '"cpu"'),
            fc.constantFrom(
              "",
              " WHERE time > now() - 1h",
              " WHERE host = 'h1'",
              " WHERE time >= '2024-01-01T00:00:00Z' AND time < '2024-01-02T00:00:00Z'",
            ),
            fc.constantFrom(
              "",
              " GROUP BY time(1m)",
              " GROUP BY host",
              " GROUP BY time(5m), host fill(linear)",
              " GROUP BY time(0s)",
            ),
          )
          .map(([a, m, w, g]) => `SELECT ${a} FROM ${m}${w}${g}`),
      ),
      tokenId: pick(pools.tokenId, "tokenId"),
      db: target === "db" ? pick(pools.db, "db") : fc.oneof(fc.constant(db), pick(pools.db)),
      bucket: fc.oneof(fc.constantFrom(db, "1m", "5s", "1h30m", "0s", "999999999d"), pick(pools.db)),
      series: pick(pools.series, "series"),
      jobId: pick(pools.jobId),
      cursor: pick(pools.cursor),
      "If-Match": pick(pools.etag),
      start: time,
      end: time,
      precision: fc.constantFrom("ns", "us", "ms", "s"),
      columns: fc.oneof(
        fc.array(column, { maxLength: 4 }).map((cs) => cs.join(",")),
        fc.array(column, { maxLength: 4 }),
      ),
      by: fc.oneof(
        fc.constantFrom("host", "host,region", "region"),
        fc.constantFrom(["host"], ["host", "region"]),
      ),
      agg: fc.oneof(
        agg,
        fc.array(agg, { minLength: 1, maxLength: 3 }).map((a) => a.join(",")),
        fc.array(agg, { maxLength: 3 }),
      ),
      where: fc.oneof(
        whereText,
        fc.array(
          fc.record({
            column,
            op: fc.constantFrom("=", "!=", "<", ">=", "in", "within", "like"),
            value: fc.oneof(
              fc.jsonValue({ maxDepth: 1 }),
              fc.constantFrom("h1", 1, ["h1", "h2"], [0, 10], "h*"),
            ),
          }),
          { maxLength: 3 },
        ),
      ),
      column,
      name: fc.constantFrom("cpu", "m", "victim-db", "fz", "usage"),
      $key: fc.constantFrom(...COLUMNS.map((c) => c.name), "time"),
      $value: fc.oneof(
        time,
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.boolean(),
        fc.constant(null),
      ),
      time,
    };
  };

  const TOKEN_WEIGHTS = (op: Operation) => {
    const preferred =
      op.template.startsWith("/v1/accounts") && !op.template.includes("/tokens") ? "platform" : "tenant";
    return fc.oneof(
      { weight: 12, arbitrary: fc.constant(tokens[preferred]) },
      { weight: 1, arbitrary: fc.constantFrom(tokens.platform, tokens.reader, tokens.writer, tokens.other) },
      { weight: 1, arbitrary: fc.constantFrom(undefined, "tsg_nope", "tsg_aaaaaaaaaaaaaaaaaaaaaa_xxxx") },
    );
  };

  /** a request for `op`: every part valid by its schema, or one part mutated (`invalid`) */
  const request$ = (op: Operation, invalid: boolean): fc.Arbitrary<Request> => {
    const destructive = op.method === "DELETE" || op.method === "PATCH";
    const hints = hintsFor(destructive ? /\{(\w+)\}$/.exec(op.template)?.[1] : undefined);
    const params = op.parameters.map((p) =>
      p.required || p.in === "path"
        ? arbs.valid$(p.schema, hints, p.name)
        : fc.option(arbs.valid$(p.schema, hints, p.name), { nil: undefined, freq: 2 }),
    );
    const [mediaType, bodySchema] = Object.entries(op.body ?? {})[0] ?? [];
    const body: fc.Arbitrary<string | undefined> =
      bodySchema === undefined
        ? fc.constant(undefined)
        : mediaType === "application/json"
          ? arbs.valid$(bodySchema, hints).map((v) => JSON.stringify(v))
          : mediaType === "application/x-www-form-urlencoded"
            ? arbs
                .valid$(bodySchema, hints)
                .map((v) => new URLSearchParams(v as Record<string, string>).toString())
            : mediaType === "text/csv"
              ? csv$
              : op.template.includes("write")
                ? lineProtocol$
                : fc.string({ maxLength: 200 });
    // which part to make invalid: a parameter its schema constrains on the wire, or a JSON body
    const targets = [
      ...[...op.parameters.keys()].filter((i) => constrained((op.parameters[i] as Parameter).schema)),
      ...(mediaType === "application/json" ? [-1] : []),
    ];
    const mutation: fc.Arbitrary<{ target: number; mutant: Mutant } | undefined> =
      invalid && targets.length > 0
        ? fc.constantFrom(...targets).chain((target) => {
            const schema =
              target === -1 ? (bodySchema as Schema) : (op.parameters[target] as Parameter).schema;
            const name = target === -1 ? undefined : op.parameters[target]?.name;
            const mutant =
              target === -1
                ? arbs.invalid$(schema, hints)
                : arbs
                    .invalid$(schema, hints, name)
                    .map((m) => ({ ...m, value: wire(m.value) }))
                    .filter((m) => !wireValid(arbs, schema, m.value as string))
                    // an empty or dot segment is another path, not a bad parameter
                    .filter(
                      (m) =>
                        op.parameters[target]?.in !== "path" || ![".", "..", ""].includes(m.value as string),
                    )
                    .filter((m) => op.parameters[target]?.in !== "header" || headerSafe(m.value as string));
            return mutant.map((m) => ({ target, mutant: m }));
          })
        : fc.constant(undefined);
    const token = invalid
      ? fc.constant(
          tokens[
            op.template.startsWith("/v1/accounts") && !op.template.includes("/tokens") ? "platform" : "tenant"
          ],
        )
      : TOKEN_WEIGHTS(op);
    // one request in three sends only the required parameters: all-valid combinations get through
    const minimal = fc.nat(2).map((n) => n === 0);
    return fc
      .tuple(fc.tuple(...params), body, mutation, token, minimal)
      .map(([values, text, mutated, tok, bare]) => {
        let path = op.template;
        const query = new URLSearchParams();
        const headers: Record<string, string> = tok === undefined ? {} : auth(tok);
        let bodyText = text;
        op.parameters.forEach((p, i) => {
          let value = values[i];
          if (bare && !p.required && p.in !== "path") value = undefined;
          if (mutated?.target === i) value = mutated.mutant.value;
          if (value === undefined) return;
          const raw = wire(value);
          if (p.in === "path") path = path.replace(`{${p.name}}`, encodeURIComponent(raw));
          else if (p.in === "query") query.append(p.name, raw);
          else headers[p.name] = raw;
        });
        if (mutated?.target === -1) bodyText = JSON.stringify(mutated.mutant.value);
        if (mediaType !== undefined) headers["Content-Type"] = mediaType;
        const qs = query.toString();
        return {
          method: op.method,
          path: qs === "" ? path : `${path}?${qs}`,
          headers,
          body: bodyText,
          change: mutated?.mutant.change,
        };
      });
  };

  /** remembers ids the answers name, so later requests use them */
  const learn = (op: Operation, res: { status: number; headers: Record<string, string>; body: unknown }) => {
    if (res.status >= 300 || typeof res.body !== "object" || res.body === null) return;
    const body = res.body as Record<string, unknown>;
    const add = (pool: string[], value: unknown) => {
      if (typeof value === "string" && !pool.includes(value) && pool.length < 40) pool.push(value);
    };
    if (typeof body.nextCursor === "string") add(pools.cursor, body.nextCursor);
    if (res.headers.etag) add(pools.etag, res.headers.etag);
    if (op.template === "/v1/accounts" && op.method === "POST") add(pools.accountId, body.id);
    if (op.template.endsWith("/tokens") && op.method === "POST")
      add(pools.tokenId, (body.token as { id?: string } | undefined)?.id);
    if (op.template === "/v1/databases" && op.method === "POST") add(pools.db, body.name);
    if (op.template.endsWith("/series") && op.method === "POST") add(pools.series, body.name);
    if (op.template.endsWith("/import")) add(pools.jobId, body.id);
  };

  const run = async (op: Operation, invalid: boolean, seed: number) => {
    const key = `${op.method} ${op.template}`;
    const statuses = seen.get(key) ?? new Map<number, number>();
    seen.set(key, statuses);
    await fc.assert(
      fc.asyncProperty(request$(op, invalid), async (req) => {
        const res = await send(req);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const where = `${describeRequest(req)}\n→ ${res.status} ${res.text.slice(0, 500)}`;
        assert.ok(res.status < 500, `5xx: ${where}`);
        if (invalid) assert.ok(res.status >= 400, `an input the document refuses was accepted: ${where}`);
        assert.ok(res.headers["x-request-id"], `no X-Request-Id: ${where}`);
        try {
          api.validator.check(req.method, req.path, res);
        } catch (err) {
          assert.fail(`${(err as Error).message}\n${where}`);
        }
        learn(op, res);
      }),
      { seed, numRuns: invalid ? INVALID_RUNS : VALID_RUNS, endOnFailure: true },
    );
  };

  it("valid input on every route: never a 5xx, every answer as documented", async () => {
    for (const [i, op] of operations.entries()) await run(op, false, SEED + i);
    // the generators reach the handlers: most operations succeeded at least once
    const succeeded = [...seen]
      .filter(([, s]) => [...s.keys()].some((status) => status < 300))
      .map(([k]) => k);
    const missed = operations.map((o) => `${o.method} ${o.template}`).filter((k) => !succeeded.includes(k));
    // (backups need backup storage, which this installation has not)
    assert.ok(missed.length <= 6, `no 2xx for ${missed.join(", ")}`);
  });

  it("input the document refuses, on every route: a 4xx problem+json", async () => {
    for (const [i, op] of operations.entries())
      if (op.parameters.length > 0 || op.body?.["application/json"]) await run(op, true, SEED + 1000 + i);
  });

  it("afterwards the API and its engine still serve", async () => {
    const status = await api.call("GET", `/v1/databases/${db}`, { token: tokens.tenant });
    assert.equal((status.body as { status: string }).status, "ready");
    const line = `cpu,host=after usage=1 ${T0 + 3_600n * SEC}`;
    const res = await send({
      method: "POST",
      path: `/v1/databases/${db}/write`,
      headers: auth(tokens.tenant),
      body: line,
    });
    assert.equal(res.status, 204, res.text);
    const query = await send({
      method: "GET",
      path: `/v1/databases/${db}/series/cpu/query?where=host%3Dafter&columns=usage`,
      headers: auth(tokens.tenant),
    });
    assert.equal(query.status, 200, query.text);
    assert.equal((query.body as { count: number }).count, 1);
  });
});

/** 2024-01-01T00:00:00Z in ns */
const T0 = 1_704_067_200_000_000_000n;
const SEC = 1_000_000_000n;

/** the columns of the fixture series `cpu`: every field type */
const COLUMNS = [
  { name: "host", type: "tag" },
  { name: "region", type: "tag" },
  { name: "usage", type: "float" },
  { name: "temp", type: "real" },
  { name: "n", type: "long" },
  { name: "lvl", type: "int" },
  { name: "ok", type: "boolean" },
  { name: "note", type: "string" },
  { name: "kind", type: "symbol" },
  { name: "seen", type: "timestamp" },
  { name: "took", type: "timespan" },
];

/** whether a parameter's schema refuses some text (a bare string schema takes any) */
const constrained = (schema: Schema): boolean =>
  ["enum", "const", "pattern", "minLength", "maxLength", "format"].some((k) => k in schema) ||
  ["integer", "number", "boolean"].includes(String(schema.type)) ||
  ((schema.anyOf ?? schema.oneOf) as Schema[] | undefined)?.every(constrained) === true;

/** a parameter value as it goes on the wire */
const wire = (value: unknown): string =>
  typeof value === "string" ? value : typeof value === "object" ? JSON.stringify(value) : String(value);

/** whether a parameter's wire text is valid by its schema (numbers are sent as text) */
function wireValid(arbs: SchemaArbitraries, schema: Schema, text: string): boolean {
  if (schema.type === "integer" || schema.type === "number")
    return /^-?\d+(\.\d+)?$/.test(text) && arbs.valid(schema, Number(text));
  return arbs.valid(schema, text);
}

/** what an HTTP client can send as a header value unchanged */
const headerSafe = (value: string) =>
  /^[\x21-\x7e\x80-\xff]([\x20-\x7e\x80-\xff]*[\x21-\x7e\x80-\xff])?$/.test(value);

const escapeKey = (s: string) => s.replace(/[ ,=\\]/g, (c) => `\\${c}`);
const lpValue = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
  fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }).map((n) => `${n}i`),
  fc.bigInt({ min: 0n, max: 2n ** 64n }).map((n) => `${n}u`),
  fc.constantFrom("t", "F", "true", "FALSE", "1.5e300", "-0", "1e-320"),
  fc.string({ maxLength: 10 }).map((s) => `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`),
);
const lpLine = fc
  .tuple(
    fc.constantFrom("cpu", "m", "lp", "fz_new", "bad name", "max", "time"),
    fc.array(
      fc.tuple(fc.constantFrom("host", "region", "usage", "t1"), fc.string({ minLength: 1, maxLength: 6 })),
      {
        maxLength: 3,
      },
    ),
    fc.array(fc.tuple(fc.constantFrom(...COLUMNS.map((c) => c.name), "v", "f1"), lpValue), {
      minLength: 1,
      maxLength: 4,
    }),
    fc.option(
      fc.oneof(
        fc.bigInt({ min: T0 - 1000n * SEC, max: T0 + 1000n * SEC }),
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n }),
        fc.bigInt({ min: 0n, max: 2_000_000_000n }),
      ),
      { nil: undefined },
    ),
  )
  .map(([m, tags, fields, ts]) => {
    const t = tags.map(([k, v]) => `,${escapeKey(k)}=${escapeKey(v)}`).join("");
    const f = fields.map(([k, v]) => `${escapeKey(k)}=${v}`).join(",");
    return `${escapeKey(m)}${t} ${f}${ts === undefined ? "" : ` ${ts}`}`;
  });
/** a line that `cpu` takes whatever the precision: its own columns and types, the API's clock */
const goodLine = fc
  .tuple(
    fc.constantFrom("h1", "h2", "a\\ b", "x\\,y"),
    fc.subarray(["usage=0.5", "temp=1.5", "n=-7i", "lvl=3i", "ok=t", 'note="a \\"q\\""', 'kind="k"'], {
      minLength: 1,
    }),
  )
  .map(([host, fields]) => `cpu,host=${host},region=eu ${fields.join(",")}`);
/** line protocol: half the bodies lines `cpu` takes, the others mixed with junk */
const lineProtocol$ = fc.oneof(
  fc.array(goodLine, { minLength: 1, maxLength: 8 }).map((lines) => lines.join("\n")),
  fc
    .array(
      fc.oneof({ weight: 6, arbitrary: lpLine }, { weight: 1, arbitrary: fc.string({ maxLength: 30 }) }),
      {
        minLength: 1,
        maxLength: 12,
      },
    )
    .map((lines) => lines.join("\n")),
);

const csvCell = fc.oneof(
  fc.constantFrom("2024-01-01T00:00:00Z", "1704067200000000000", "h1", "0.5", "12", "true", "", '"a,b"', "x"),
  fc.string({ maxLength: 6 }),
);
/** CSV: a header over the fixture's columns (time first, mostly), rows of typed and junk cells */
const csv$ = fc
  .tuple(
    fc.subarray(COLUMNS.map((c) => c.name)),
    fc.boolean(),
    fc.array(fc.array(csvCell, { minLength: 1, maxLength: 6 }), { maxLength: 8 }),
  )
  .map(([cols, withTime, rows]) =>
    [[...(withTime ? ["time"] : []), ...cols].join(","), ...rows.map((r) => r.join(","))].join("\n"),
  );
