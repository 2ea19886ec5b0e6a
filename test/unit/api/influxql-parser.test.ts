import { strict as assert } from "node:assert";
import type { SelectStatement } from "../../../api/src/influxql/ast.js";
import { InfluxQLSyntaxError, parseQuery } from "../../../api/src/influxql/index.js";
import { parseTimeString, rfc3339Nano } from "../../../api/src/influxql/time-literals.js";
import { translateWhere } from "../../../api/src/influxql/where-clause.js";
import type { Column } from "../../../api/src/series/series-schemas.js";

const select = (q: string) => parseQuery(q)[0] as SelectStatement;
const syntaxError = (q: string) => {
  try {
    parseQuery(q);
  } catch (err) {
    assert.ok(err instanceof InfluxQLSyntaxError, String(err));
    return err.message;
  }
  assert.fail(`parsed: ${q}`);
};

const COLUMNS: Column[] = [
  { name: "time", type: "timestamp", tag: false },
  { name: "host", type: "symbol", tag: true },
  { name: "usage", type: "float", tag: false },
  { name: "n", type: "long", tag: false },
];
const NOW = 1_704_067_200_000_000_000n;

describe("InfluxQL parser", () => {
  it("reads Grafana's query builder output", () => {
    const st = select(
      `SELECT mean("usage") AS "u", max(n) FROM "autogen"."cpu" WHERE ("host" =~ /^(a|b)$/) AND time >= 1704067200000ms and time <= 1704070799999ms GROUP BY time(5m), "host" fill(null) ORDER BY time DESC LIMIT 10 SLIMIT 2 tz('UTC')`,
    );
    assert.deepEqual(st.fields, [
      { expr: { kind: "call", name: "mean", args: [{ kind: "ref", name: "usage" }] }, alias: "u" },
      { expr: { kind: "call", name: "max", args: [{ kind: "ref", name: "n" }] } },
    ]);
    assert.deepEqual(st.sources, [{ name: "cpu", retentionPolicy: "autogen" }]);
    assert.deepEqual(st.interval, { ns: 300_000_000_000n, offset: 0n });
    assert.deepEqual(st.groupTags, ["host"]);
    assert.deepEqual(st.fill, { kind: "null" });
    assert.equal(st.order, "desc");
    assert.equal(st.limit, 10);
    assert.equal(st.slimit, 2);
    assert.equal(st.tz, "UTC");
  });

  it("reads several statements, fills, offsets, db.rp.m and regex sources", () => {
    const all = parseQuery(
      "SELECT * FROM db..cpu; SELECT count(v) FROM /c.*/ GROUP BY time(1h, -15m), * fill(-1.5);;SHOW DATABASES",
    );
    assert.equal(all.length, 3);
    assert.deepEqual((all[0] as SelectStatement).sources, [{ name: "cpu", database: "db" }]);
    const second = all[1] as SelectStatement;
    assert.deepEqual(second.sources, [{ regex: "c.*" }]);
    assert.deepEqual(second.interval, { ns: 3_600_000_000_000n, offset: -900_000_000_000n });
    assert.equal(second.groupAllTags, true);
    assert.deepEqual(second.fill, { kind: "number", value: -1.5 });
    assert.deepEqual(all[2], { kind: "show-databases" });
  });

  it("reads the SHOW statements Grafana and the CLI send", () => {
    assert.deepEqual(parseQuery("SHOW MEASUREMENTS WITH MEASUREMENT =~ /cp\\/u/ LIMIT 100")[0], {
      kind: "show-measurements",
      match: { op: "=~", value: "cp/u" },
      limit: 100,
    });
    assert.deepEqual(
      parseQuery(`SHOW TAG VALUES FROM "cpu" WITH KEY IN ("host", "region") WHERE "host" = 'a'`)[0],
      {
        kind: "show-tag-values",
        sources: [{ name: "cpu" }],
        key: { op: "IN", values: ["host", "region"] },
        condition: {
          kind: "binary",
          op: "=",
          lhs: { kind: "ref", name: "host" },
          rhs: { kind: "string", value: "a" },
        },
      },
    );
    assert.deepEqual(parseQuery('show field keys on "metrics" from cpu')[0], {
      kind: "show-field-keys",
      database: "metrics",
      sources: [{ name: "cpu" }],
    });
    assert.deepEqual(parseQuery('SHOW RETENTION POLICIES ON "metrics"')[0], {
      kind: "show-retention-policies",
      database: "metrics",
    });
    assert.deepEqual(parseQuery("CREATE DATABASE x; SHOW USERS"), [
      { kind: "unsupported", what: "CREATE DATABASE" },
      { kind: "unsupported", what: "SHOW USERS" },
    ]);
  });

  it("words syntax errors as InfluxDB 1.x, with line and character", () => {
    assert.equal(
      syntaxError("SELEC x"),
      "found SELEC, expected SELECT, DELETE, SHOW, CREATE, DROP, EXPLAIN, GRANT, REVOKE, ALTER, SET, KILL at line 1, char 1",
    );
    assert.equal(
      syntaxError("SELECT FROM cpu"),
      "found FROM, expected identifier, string, number, bool at line 1, char 8",
    );
    assert.equal(
      syntaxError("SELECT mean(v) FROM cpu WHERE"),
      "found EOF, expected identifier, string, number, bool at line 1, char 31",
    );
    assert.match(syntaxError("SELECT v FROM cpu\nWHERE time > 'x"), /at line 2, char 14/);
    assert.match(syntaxError("SELECT v FROM cpu GROUP BY time(5x)"), /expected duration/);
  });

  it("turns WHERE into an exact range and typed conditions", () => {
    const st = select(
      `SELECT v FROM m WHERE time > now() - 1h AND time <= '2024-01-01T00:30:00.5Z' AND "host" = 'a' AND usage >= 0.5 AND n > 2.5 AND ("host" = 'b' OR "host" = 'c')`,
    );
    const t = translateWhere(st.condition, COLUMNS, NOW);
    assert.equal(t.start, NOW - 3_600_000_000_000n + 1n);
    assert.equal(t.end, 1_704_069_000_500_000_001n);
    assert.deepEqual(t.conditions, [
      { column: "host", op: "=", value: "a" },
      { column: "usage", op: ">", value: null },
      { column: "usage", op: ">=", value: 0.5 },
      { column: "n", op: ">", value: null },
      { column: "n", op: ">", value: "2" },
      { column: "host", op: "in", value: ["b", "c"] },
    ]);
    assert.equal(t.empty, false);
  });

  it("knows what cannot match, and keeps tag regexes to resolve", () => {
    const empty = translateWhere(select(`SELECT v FROM m WHERE "nope" = 'x'`).condition, COLUMNS, NOW);
    assert.equal(empty.empty, true);
    const absent = translateWhere(select(`SELECT v FROM m WHERE "nope" = ''`).condition, COLUMNS, NOW);
    assert.equal(absent.empty, false);
    const reversed = translateWhere(
      select("SELECT v FROM m WHERE time < 10 AND time >= 10").condition,
      COLUMNS,
      NOW,
    );
    assert.equal(reversed.empty, true);
    const re = translateWhere(select(`SELECT v FROM m WHERE host !~ /^a/`).condition, COLUMNS, NOW);
    assert.deepEqual(re.regexes, [{ column: "host", sources: ["^a"], negate: true, values: [] }]);
  });

  it("reads and prints times as InfluxDB does", () => {
    assert.equal(parseTimeString("2024-01-01 00:00:01"), 1_704_067_201_000_000_000n);
    assert.equal(parseTimeString("2024-01-01T02:00:00+02:00"), NOW);
    assert.equal(parseTimeString("2024-01-01T00:00:00.000000001Z"), NOW + 1n);
    assert.equal(parseTimeString("yesterday"), undefined);
    assert.equal(rfc3339Nano(NOW), "2024-01-01T00:00:00Z");
    assert.equal(rfc3339Nano(NOW + 500_000_000n), "2024-01-01T00:00:00.5Z");
    assert.equal(rfc3339Nano(NOW + 1n), "2024-01-01T00:00:00.000000001Z");
    assert.equal(rfc3339Nano(-1n), "1969-12-31T23:59:59.999999999Z");
  });
});
