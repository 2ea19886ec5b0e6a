/** One series: its schema (time, tags, typed fields), row count and time range. */
import { useEffect, useState } from "preact/hooks";
import type { Problem, QueryResult, Series } from "../api.js";
import { href } from "../router.js";
import { useSession } from "../session.js";
import { ProblemBox, problemFrom } from "../ui.js";
import { seriesPath } from "./database.js";

export interface SeriesStats {
  rows: string;
  first: string | null;
  last: string | null;
}

/** rows (count of time over everything), first and last time: three small queries */
export async function seriesStats(
  api: ReturnType<typeof useSession>["api"],
  db: string,
  name: string,
): Promise<SeriesStats> {
  const path = `${seriesPath(db, name)}/query`;
  const all = { start: "1970-01-01T00:00:00Z", end: "2262-04-11T00:00:00Z" };
  const [count, first, last] = await Promise.all([
    api.get<QueryResult>(path, { ...all, agg: "n=count(time)" }),
    api.get<QueryResult>(path, { ...all, limit: 1, order: "asc" }),
    api.get<QueryResult>(path, { ...all, limit: 1, order: "desc" }),
  ]);
  const n = count.values.n?.[0];
  return {
    rows: n === undefined || n === null ? "0" : String(n),
    first: (first.values.time?.[0] as string | undefined) ?? null,
    last: (last.values.time?.[0] as string | undefined) ?? null,
  };
}

export function SeriesPage({ db, series }: { db: string; series: string }) {
  const { api, scopes } = useSession();
  const [schema, setSchema] = useState<Series>();
  const [stats, setStats] = useState<SeriesStats>();
  const [problem, setProblem] = useState<Problem>();
  useEffect(() => {
    api.get<Series>(seriesPath(db, series)).then(setSchema, (err) => setProblem(problemFrom(err)));
    if (scopes.canRead(db))
      seriesStats(api, db, series).then(setStats, (err) => setProblem(problemFrom(err)));
  }, [api, db, series, scopes]);
  return (
    <section>
      <p class="crumbs">
        <a href={href(["databases"])}>Databases</a> / <a href={href(["databases", db])}>{db}</a> /
      </p>
      <h1>{series}</h1>
      <ProblemBox problem={problem} />
      {stats !== undefined && (
        <dl class="facts" data-testid="series-stats">
          <dt>rows</dt>
          <dd>{stats.rows}</dd>
          <dt>first</dt>
          <dd>{stats.first ?? "—"}</dd>
          <dt>last</dt>
          <dd>{stats.last ?? "—"}</dd>
        </dl>
      )}
      {schema !== undefined && (
        <table class="list" aria-label="Schema">
          <thead>
            <tr>
              <th>column</th>
              <th>type</th>
              <th>kind</th>
            </tr>
          </thead>
          <tbody>
            {schema.columns.map((c) => (
              <tr key={c.name}>
                <td>
                  <code>{c.name}</code>
                </td>
                <td>{c.type}</td>
                <td>{c.name === "time" ? "time" : c.tag ? "tag" : "field"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div class="actions">
        {scopes.canRead(db) && <a href={href(["explore"], { db, series })}>Explore {series}</a>}
        {scopes.canWrite(db) && <a href={href(["write"], { db, series })}>Write to {series}</a>}
      </div>
    </section>
  );
}
