/**
 * Explore: a series, a time range (presets, or absolute in UTC or the browser's zone), tag filters
 * (values offered from the data), group by, bucket, aggregates and fill. The result as a chart
 * (bucketed: a raw or too fine query is charted from a coarser bucketed query, never from raw
 * rows) and as a table with paging; the equivalent REST URL and curl line; CSV/JSONL downloads
 * through the streamed formats.
 */
import { useEffect, useMemo, useState } from "preact/hooks";
import {
  type Database,
  enc,
  listAll,
  type Problem,
  type Query,
  type QueryResult,
  queryString,
  type Series,
} from "../api.js";
import { Chart, type ChartData } from "../chart.js";
import { useSession } from "../session.js";
import {
  bucketFor,
  formatDuration,
  formatNs,
  formatWall,
  nowNs,
  parseDuration,
  parseRfc3339,
  parseWall,
  toRfc3339,
  type Zone,
  zoneLabel,
} from "../time.js";
import { CopyButton, Field, ProblemBox, problemFrom, saveBlob, value } from "../ui.js";
import { seriesPath } from "./database.js";
import { seriesStats } from "./series.js";

const PRESETS: [string, string][] = [
  ["15m", "last 15 minutes"],
  ["1h", "last hour"],
  ["6h", "last 6 hours"],
  ["1d", "last 24 hours"],
  ["7d", "last 7 days"],
  ["30d", "last 30 days"],
  ["all", "all the data"],
];
const BUCKETS = ["", "auto", "1s", "10s", "1m", "5m", "15m", "1h", "6h", "1d"];
const FUNCTIONS = ["avg", "min", "max", "sum", "count", "first", "last", "median", "stddev"];
const FILLS = ["none", "null", "prev", "linear", "zero"];
const NUMERIC = new Set(["float", "real", "long", "int", "boolean", "timespan"]);
/** the chart draws at most this many buckets per line; a finer query is charted coarser */
export const CHART_MAX_BUCKETS = 2000;
const CHART_TARGET_BUCKETS = 1000;
const CHART_MAX_ROWS = 100_000;

interface Filter {
  column: string;
  op: string;
  value: string;
}

interface Agg {
  fn: string;
  column: string;
}

interface Run {
  /** a new run starts its results afresh (first page) */
  id: number;
  db: string;
  series: string;
  query: Query;
  chart: Query;
  chartNote: string;
  by: string[];
  zone: Zone;
}

function aggText(aggs: Agg[]): string {
  return aggs.map((a) => `${a.fn}(${a.column})`).join(",");
}

function whereText(filters: Filter[]): string | undefined {
  const parts = filters
    .filter((f) => f.column !== "" && f.value !== "")
    .map((f) => (f.op === "in" ? `${f.column} in ${f.value}` : `${f.column}${f.op}${f.value}`));
  return parts.length === 0 ? undefined : parts.join(";");
}

/** the chart's lines from a bucketed result: one per group (by values) and numeric output */
export function chartData(result: QueryResult, by: string[]): ChartData {
  const outputs = result.columns.filter(
    (c) => c.name !== "time" && !by.includes(c.name) && NUMERIC.has(c.type),
  );
  const times = result.values.time ?? [];
  const ns = times.map((t) => parseRfc3339(String(t)));
  const unique = [...new Set(ns)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const index = new Map(unique.map((t, i) => [t, i]));
  const lines = new Map<string, (number | null)[]>();
  for (let row = 0; row < ns.length; row++) {
    const group = by.map((c) => `${c}=${result.values[c]?.[row] ?? "null"}`).join(",");
    for (const out of outputs) {
      const label = [group, outputs.length > 1 || group === "" ? out.name : ""]
        .filter((s) => s !== "")
        .join(" ");
      let line = lines.get(label);
      if (line === undefined) {
        line = new Array(unique.length).fill(null);
        lines.set(label, line);
      }
      const v = result.values[out.name]?.[row];
      const n = v === null || v === undefined ? null : typeof v === "boolean" ? Number(v) : Number(v);
      line[index.get(ns[row]!)!] = n !== null && Number.isFinite(n) ? n : null;
    }
  }
  return { times: unique, lines: [...lines].map(([label, values]) => ({ label, values })) };
}

function Table({ result, zone, by }: { result: QueryResult; zone: Zone; by: string[] }) {
  const cols = result.columns;
  return (
    <div class="table-wrap">
      <table class="list result" aria-label="Result" data-rows={result.count}>
        <thead>
          <tr>
            {cols.map((c) => (
              <th key={c.name} scope="col">
                {c.name === "time" ? `time (${zoneLabel(zone)})` : c.name}
                <span class="hint"> {by.includes(c.name) ? "group" : c.type}</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {Array.from({ length: result.count }, (_, row) => (
            <tr key={row}>
              {cols.map((c) => {
                const v = result.values[c.name]?.[row];
                const text =
                  v === null || v === undefined
                    ? "null"
                    : c.type === "timestamp"
                      ? formatNs(parseRfc3339(String(v)), zone)
                      : String(v);
                return (
                  <td key={c.name} class={v === null ? "null" : undefined}>
                    {text}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Results({ run, onZoom }: { run: Run; onZoom: (start: number, end: number) => void }) {
  const { api } = useSession();
  const path = `${seriesPath(run.db, run.series)}/query`;
  const [pageSize, setPageSize] = useState(50);
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [page, setPage] = useState<QueryResult>();
  const [chart, setChart] = useState<ChartData>();
  const [chartTruncated, setChartTruncated] = useState(false);
  const [problem, setProblem] = useState<Problem>();
  const [chartProblem, setChartProblem] = useState<Problem>();
  const [downloading, setDownloading] = useState<string>();
  const cursor = cursors[cursors.length - 1];

  useEffect(() => {
    setCursors([undefined]);
  }, [pageSize]);

  useEffect(() => {
    const abort = new AbortController();
    setProblem(undefined);
    api
      .get<QueryResult>(path, { ...run.query, limit: pageSize, cursor }, abort.signal)
      .then(setPage, (err) => {
        if (!abort.signal.aborted) {
          setPage(undefined);
          setProblem(problemFrom(err));
        }
      });
    return () => abort.abort();
  }, [api, path, run, pageSize, cursor]);

  useEffect(() => {
    const abort = new AbortController();
    setChartProblem(undefined);
    setChart(undefined);
    api.get<QueryResult>(path, { ...run.chart, limit: CHART_MAX_ROWS }, abort.signal).then(
      (result) => {
        setChartTruncated(result.nextCursor !== null);
        setChart(chartData(result, run.by));
      },
      (err) => {
        if (!abort.signal.aborted) setChartProblem(problemFrom(err));
      },
    );
    return () => abort.abort();
  }, [api, path, run]);

  const url = `${location.origin}${path}${queryString(run.query)}`;
  const curl = `curl -s '${url}' -H "Authorization: Bearer $TOKEN"`;

  const download = async (format: "csv" | "jsonl") => {
    setDownloading(format);
    setProblem(undefined);
    try {
      const response = await api.fetch("GET", path, { query: { ...run.query, format } });
      saveBlob(await response.blob(), `${run.db}-${run.series}.${format}`);
    } catch (err) {
      setProblem(problemFrom(err));
    } finally {
      setDownloading(undefined);
    }
  };

  return (
    <div class="results">
      <section aria-label="Chart" class="card">
        <h2>Chart</h2>
        <p class="hint" data-testid="chart-note">
          {run.chartNote}
          {chartTruncated &&
            " The chart holds the first 100,000 rows only; narrow the range or widen the bucket."}
        </p>
        <ProblemBox problem={chartProblem} />
        {chart === undefined ? (
          chartProblem === undefined && <p class="loading">Loading the chart…</p>
        ) : chart.lines.length === 0 ? (
          <p data-testid="chart-empty">Nothing to chart in this range.</p>
        ) : (
          <Chart data={chart} zone={run.zone} onZoom={onZoom} />
        )}
      </section>
      <section aria-label="The same query over REST" class="card">
        <h2>The same over REST</h2>
        <p>
          <code class="rest" data-testid="rest-url">
            GET {url}
          </code>{" "}
          <CopyButton text={url} label="Copy URL" />
        </p>
        <p>
          <code class="rest" data-testid="curl">
            {curl}
          </code>{" "}
          <CopyButton text={curl} label="Copy curl" />
        </p>
        <div class="actions">
          <button type="button" onClick={() => download("csv")} disabled={downloading !== undefined}>
            Download CSV
          </button>
          <button type="button" onClick={() => download("jsonl")} disabled={downloading !== undefined}>
            Download JSONL
          </button>
          {downloading !== undefined && <span role="status">Downloading {downloading}…</span>}
        </div>
      </section>
      <section aria-label="Table" class="card">
        <h2>Table</h2>
        <ProblemBox problem={problem} />
        {page !== undefined && (
          <>
            <div class="actions">
              <button
                type="button"
                disabled={cursors.length <= 1}
                onClick={() => setCursors(cursors.slice(0, -1))}
              >
                Previous page
              </button>
              <span data-testid="page-info">
                page {cursors.length}, rows {(cursors.length - 1) * pageSize + (page.count === 0 ? 0 : 1)}–
                {(cursors.length - 1) * pageSize + page.count}
              </span>
              <button
                type="button"
                disabled={page.nextCursor === null}
                onClick={() => setCursors([...cursors, page.nextCursor ?? undefined])}
              >
                Next page
              </button>
              <Field label="rows per page">
                <select value={String(pageSize)} onChange={(e) => setPageSize(Number(value(e)))}>
                  {[50, 100, 500, 1000].map((n) => (
                    <option key={n}>{n}</option>
                  ))}
                </select>
              </Field>
            </div>
            <Table result={page} zone={run.zone} by={run.by} />
          </>
        )}
      </section>
    </div>
  );
}

export function ExplorePage({ params }: { params: URLSearchParams }) {
  const { api, scopes } = useSession();
  const [databases, setDatabases] = useState<Database[]>([]);
  const [seriesList, setSeriesList] = useState<Series[]>([]);
  const [db, setDb] = useState(params.get("db") ?? "");
  const [seriesName, setSeriesName] = useState(params.get("series") ?? "");
  const [preset, setPreset] = useState("1h");
  const [absolute, setAbsolute] = useState({ start: "", end: "" });
  const [zone, setZone] = useState<Zone>("UTC");
  const [filters, setFilters] = useState<Filter[]>([]);
  const [by, setBy] = useState<string[]>([]);
  const [bucket, setBucket] = useState("");
  const [aggs, setAggs] = useState<Agg[]>([]);
  const [fill, setFill] = useState("none");
  const [tagValues, setTagValues] = useState<Record<string, string[]>>({});
  const [run, setRun] = useState<Run>();
  const [problem, setProblem] = useState<Problem>();

  useEffect(() => {
    listAll<Database>(api, "/v1/databases").then(
      (all) => {
        const readable = all.filter((d) => d.status === "ready" && scopes.canRead(d.name));
        setDatabases(readable);
        if (db === "" && readable[0] !== undefined) setDb(readable[0].name);
      },
      (err) => setProblem(problemFrom(err)),
    );
  }, [api]);

  useEffect(() => {
    if (db === "") return;
    listAll<Series>(api, `/v1/databases/${enc(db)}/series`).then(
      (all) => {
        setSeriesList(all);
        if (!all.some((s) => s.name === seriesName)) setSeriesName(all[0]?.name ?? "");
      },
      (err) => setProblem(problemFrom(err)),
    );
  }, [api, db]);

  const series = seriesList.find((s) => s.name === seriesName);
  const tags = useMemo(() => series?.columns.filter((c) => c.tag).map((c) => c.name) ?? [], [series]);
  const fields = useMemo(() => series?.columns.filter((c) => !c.tag && c.name !== "time") ?? [], [series]);

  // a new series: default aggregate over its first numeric field, no filters or groups
  useEffect(() => {
    const numeric = fields.find((f) => NUMERIC.has(f.type)) ?? fields[0];
    setAggs(numeric === undefined ? [] : [{ fn: "avg", column: numeric.name }]);
    setFilters([]);
    setBy([]);
    setTagValues({});
    setRun(undefined);
  }, [series]);

  const loadValues = (tag: string) => {
    if (tag === "" || tagValues[tag] !== undefined) return;
    api.get<QueryResult>(`${seriesPath(db, seriesName)}/last`, { by: tag }).then(
      (r) => {
        const values = [...new Set((r.values[tag] ?? []).filter((v) => v !== null).map(String))].sort();
        setTagValues((tv) => ({ ...tv, [tag]: values }));
      },
      (err) => setProblem(problemFrom(err)),
    );
  };

  const resolveRange = async (): Promise<[bigint, bigint]> => {
    if (preset === "absolute") return [parseWall(absolute.start, zone), parseWall(absolute.end, zone)];
    if (preset === "all") {
      const stats = await seriesStats(api, db, seriesName);
      if (stats.first === null || stats.last === null) {
        const now = nowNs();
        return [now - parseDuration("1h")!, now];
      }
      return [parseRfc3339(stats.first), parseRfc3339(stats.last) + 1n];
    }
    const now = nowNs();
    return [now - parseDuration(preset)!, now];
  };

  const execute = async (range?: [bigint, bigint]) => {
    setProblem(undefined);
    try {
      if (series === undefined) throw new Error("pick a database and a series first");
      const [start, end] = range ?? (await resolveRange());
      if (end <= start) throw new Error("the range's end must be after its start");
      const span = end - start;
      const userBucket = bucket === "auto" ? formatDuration(bucketFor(span, CHART_TARGET_BUCKETS)) : bucket;
      if (userBucket !== "" && parseDuration(userBucket) === undefined)
        throw new Error(`bucket "${userBucket}" is not a duration such as 5m or 1h30m`);
      const aggregated = userBucket !== "" || by.length > 0;
      if (aggregated && aggs.length === 0)
        throw new Error("a bucket or group by needs at least one aggregate");
      const query: Query = {
        start: toRfc3339(start),
        end: toRfc3339(end),
        where: whereText(filters),
        by: by.length === 0 ? undefined : by.join(","),
        bucket: userBucket === "" ? undefined : userBucket,
        agg: aggregated ? aggText(aggs) : undefined,
        fill: aggregated && fill !== "none" ? fill : undefined,
      };
      // the chart: bucketed, at most CHART_MAX_BUCKETS per line
      const fine = userBucket === "" ? undefined : parseDuration(userBucket)!;
      let chartBucket = fine;
      let note = "";
      if (fine === undefined || span / fine > BigInt(CHART_MAX_BUCKETS)) {
        chartBucket = bucketFor(span, CHART_TARGET_BUCKETS);
        note =
          fine === undefined
            ? `Downsampled for the chart: ${aggregated ? aggText(aggs) : "averages"} in ${formatDuration(chartBucket)} buckets; the table has the query's own rows.`
            : `Downsampled for the chart: ${formatDuration(chartBucket)} buckets instead of ${userBucket} (at most ${CHART_MAX_BUCKETS} per line); the table has the query's own rows.`;
      } else note = `One point per ${userBucket} bucket and group.`;
      const numeric = fields.filter((f) => NUMERIC.has(f.type)).slice(0, 4);
      const chartAggs = aggregated ? aggs : numeric.map((f) => ({ fn: "avg", column: f.name }));
      const chart: Query = {
        ...query,
        bucket: formatDuration(chartBucket!),
        agg: chartAggs.length === 0 ? undefined : aggText(chartAggs),
        fill: aggregated && fill !== "none" ? fill : undefined,
      };
      if (chartAggs.length === 0) note = "This series has no numeric field to chart.";
      setRun({
        id: Date.now() + Math.random(),
        db,
        series: seriesName,
        query,
        chart,
        chartNote: note,
        by,
        zone,
      });
      if (range !== undefined) {
        setPreset("absolute");
        setAbsolute({ start: formatWall(start, zone), end: formatWall(end, zone) });
      }
    } catch (err) {
      setProblem(problemFrom(err));
    }
  };

  const zoomTo = (a: number, b: number) => {
    const start = BigInt(Math.floor(a * 1000)) * 1_000_000n;
    const end = BigInt(Math.ceil(b * 1000)) * 1_000_000n;
    if (end > start) execute([start, end]);
  };

  return (
    <section>
      <h1>Explore</h1>
      <form
        class="card explore"
        aria-label="Query"
        onSubmit={(e) => {
          e.preventDefault();
          execute();
        }}
      >
        <div class="row">
          <Field label="Database">
            <select name="db" value={db} onChange={(e) => setDb(value(e))}>
              {databases.map((d) => (
                <option key={d.name}>{d.name}</option>
              ))}
            </select>
          </Field>
          <Field label="Series">
            <select name="series" value={seriesName} onChange={(e) => setSeriesName(value(e))}>
              {seriesList.map((s) => (
                <option key={s.name}>{s.name}</option>
              ))}
            </select>
          </Field>
          <Field label="Time range">
            <select name="range" value={preset} onChange={(e) => setPreset(value(e))}>
              {PRESETS.map(([v, label]) => (
                <option key={v} value={v}>
                  {label}
                </option>
              ))}
              <option value="absolute">absolute…</option>
            </select>
          </Field>
          <Field label="Time zone">
            <select name="zone" value={zone} onChange={(e) => setZone(value(e) as Zone)}>
              <option value="UTC">UTC</option>
              <option value="local">{zoneLabel("local")}</option>
            </select>
          </Field>
        </div>
        {preset === "absolute" && (
          <div class="row">
            <Field label={`From (${zoneLabel(zone)})`} hint="2024-01-01 00:00:00[.123456789]">
              <input
                name="start"
                value={absolute.start}
                onInput={(e) => setAbsolute({ ...absolute, start: value(e) })}
                required
              />
            </Field>
            <Field label={`To, excluded (${zoneLabel(zone)})`}>
              <input
                name="end"
                value={absolute.end}
                onInput={(e) => setAbsolute({ ...absolute, end: value(e) })}
                required
              />
            </Field>
          </div>
        )}
        <fieldset>
          <legend>Filters</legend>
          {filters.map((f, i) => (
            <div class="row" key={i}>
              <Field label={`Filter ${i + 1} tag`}>
                <select
                  name={`filter-${i}-column`}
                  value={f.column}
                  onChange={(e) => {
                    setFilters(filters.map((g, j) => (j === i ? { ...g, column: value(e) } : g)));
                    loadValues(value(e));
                  }}
                >
                  {tags.map((t) => (
                    <option key={t}>{t}</option>
                  ))}
                </select>
              </Field>
              <Field label="op">
                <select
                  name={`filter-${i}-op`}
                  value={f.op}
                  onChange={(e) => setFilters(filters.map((g, j) => (j === i ? { ...g, op: value(e) } : g)))}
                >
                  <option value="=">=</option>
                  <option value="!=">≠</option>
                  <option value="in">in (a|b)</option>
                </select>
              </Field>
              <Field label="value">
                <input
                  name={`filter-${i}-value`}
                  list={`values-${f.column}`}
                  value={f.value}
                  onFocus={() => loadValues(f.column)}
                  onInput={(e) =>
                    setFilters(filters.map((g, j) => (j === i ? { ...g, value: value(e) } : g)))
                  }
                />
              </Field>
              <button type="button" onClick={() => setFilters(filters.filter((_, j) => j !== i))}>
                Remove filter {i + 1}
              </button>
            </div>
          ))}
          {tags.map((t) => (
            <datalist key={t} id={`values-${t}`}>
              {(tagValues[t] ?? []).map((v) => (
                <option key={v} value={v} />
              ))}
            </datalist>
          ))}
          <button
            type="button"
            disabled={tags.length === 0}
            onClick={() => {
              setFilters([...filters, { column: tags[0]!, op: "=", value: "" }]);
              loadValues(tags[0]!);
            }}
          >
            Add a filter
          </button>
        </fieldset>
        <div class="row">
          <fieldset>
            <legend>Group by</legend>
            {tags.length === 0 && <span class="hint">no tags</span>}
            {tags.map((t) => (
              <label key={t} class="check">
                <input
                  type="checkbox"
                  name={`by-${t}`}
                  checked={by.includes(t)}
                  onChange={(e) =>
                    setBy((e.target as HTMLInputElement).checked ? [...by, t] : by.filter((b) => b !== t))
                  }
                />
                {t}
              </label>
            ))}
          </fieldset>
          <Field label="Bucket" hint="none: raw rows; auto: about 1000 buckets">
            <input
              name="bucket"
              list="buckets"
              value={bucket}
              onInput={(e) => setBucket(value(e))}
              placeholder="none"
            />
            <datalist id="buckets">
              {BUCKETS.filter((b) => b !== "").map((b) => (
                <option key={b} value={b} />
              ))}
            </datalist>
          </Field>
          <Field label="Fill">
            <select name="fill" value={fill} onChange={(e) => setFill(value(e))}>
              {FILLS.map((f) => (
                <option key={f}>{f}</option>
              ))}
            </select>
          </Field>
        </div>
        <fieldset>
          <legend>Aggregates (with a bucket or group by)</legend>
          {aggs.map((a, i) => (
            <div class="row" key={i}>
              <Field label={`Aggregate ${i + 1}`}>
                <select
                  name={`agg-${i}-fn`}
                  value={a.fn}
                  onChange={(e) => setAggs(aggs.map((g, j) => (j === i ? { ...g, fn: value(e) } : g)))}
                >
                  {FUNCTIONS.map((f) => (
                    <option key={f}>{f}</option>
                  ))}
                </select>
              </Field>
              <Field label="of">
                <select
                  name={`agg-${i}-column`}
                  value={a.column}
                  onChange={(e) => setAggs(aggs.map((g, j) => (j === i ? { ...g, column: value(e) } : g)))}
                >
                  {fields.map((f) => (
                    <option key={f.name}>{f.name}</option>
                  ))}
                </select>
              </Field>
              <button type="button" onClick={() => setAggs(aggs.filter((_, j) => j !== i))}>
                Remove aggregate {i + 1}
              </button>
            </div>
          ))}
          <button
            type="button"
            disabled={fields.length === 0}
            onClick={() => setAggs([...aggs, { fn: "max", column: fields[0]!.name }])}
          >
            Add an aggregate
          </button>
        </fieldset>
        <button type="submit" class="primary" disabled={series === undefined}>
          Run query
        </button>
      </form>
      <ProblemBox problem={problem} />
      {run !== undefined && <Results key={run.id} run={run} onZoom={zoomTo} />}
    </section>
  );
}
