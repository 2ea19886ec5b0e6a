/**
 * Write: line protocol (POST /v1/databases/{db}/write) or CSV (POST …/series/{s}/import, a job whose
 * progress GET /v1/jobs/{id} reports), pasted or uploaded; a partial write is reported line by line.
 */
import { useEffect, useState } from "preact/hooks";
import { ApiError, type Database, enc, type Job, listAll, type Problem, type Series } from "../api.js";
import { useSession } from "../session.js";
import { Field, ProblemBox, problemFrom, value } from "../ui.js";
import { databasePath } from "./databases.js";

interface Rejection {
  line: number;
  reason: string;
}

interface Report {
  written: number;
  rejected: number;
  lines: Rejection[];
  /** the source's lines, to show each rejected one */
  source?: string[];
}

/** the lines of the data, 1-based in the reply: kept only for sources up to 5 MB */
async function sourceLines(text: string, file: File | undefined): Promise<string[] | undefined> {
  if (file === undefined) return text.split("\n");
  if (file.size > 5_000_000) return undefined;
  return (await file.text()).split("\n");
}

async function countRows(text: string, file: File | undefined): Promise<number> {
  let newlines = 0;
  if (file === undefined) {
    for (const ch of text) if (ch === "\n") newlines++;
    return Math.max(0, newlines + (text.endsWith("\n") ? 0 : 1) - 1);
  }
  const reader = file.stream().getReader();
  let last = 10;
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    for (const byte of chunk.value) if (byte === 10) newlines++;
    last = chunk.value[chunk.value.length - 1] ?? last;
  }
  return Math.max(0, newlines + (last === 10 ? 0 : 1) - 1);
}

function ReportView({ report }: { report: Report }) {
  return (
    <div class="card report" data-testid="write-report" role="status">
      <p>
        <strong data-testid="written">{report.written}</strong> written,{" "}
        <strong data-testid="rejected">{report.rejected}</strong> rejected
        {report.rejected > report.lines.length && ` (the first ${report.lines.length} are listed)`}
      </p>
      {report.lines.length > 0 && (
        <table class="list" aria-label="Rejected lines">
          <thead>
            <tr>
              <th>line</th>
              <th>reason</th>
              <th>text</th>
            </tr>
          </thead>
          <tbody>
            {report.lines.map((l) => (
              <tr key={l.line} data-line={l.line}>
                <td>{l.line}</td>
                <td>{l.reason}</td>
                <td>
                  <code>{report.source?.[l.line - 1] ?? ""}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

export function WritePage({ params }: { params: URLSearchParams }) {
  const { api, scopes } = useSession();
  const [databases, setDatabases] = useState<Database[]>([]);
  const [seriesList, setSeriesList] = useState<Series[]>([]);
  const [db, setDb] = useState(params.get("db") ?? "");
  const [series, setSeries] = useState(params.get("series") ?? "");
  const [format, setFormat] = useState<"lp" | "csv">("lp");
  const [precision, setPrecision] = useState("ns");
  const [text, setText] = useState("");
  const [file, setFile] = useState<File>();
  const [busy, setBusy] = useState(false);
  const [report, setReport] = useState<Report>();
  const [problem, setProblem] = useState<Problem>();
  const [job, setJob] = useState<Job>();
  const [total, setTotal] = useState(0);

  useEffect(() => {
    listAll<Database>(api, "/v1/databases").then(
      (all) => {
        const writable = all.filter((d) => d.status === "ready" && scopes.canWrite(d.name));
        setDatabases(writable);
        if (db === "" && writable[0] !== undefined) setDb(writable[0].name);
      },
      (err) => setProblem(problemFrom(err)),
    );
  }, [api]);

  useEffect(() => {
    if (db === "") return;
    listAll<Series>(api, `${databasePath(db)}/series`).then(
      (all) => {
        setSeriesList(all);
        if (!all.some((s) => s.name === series)) setSeries(all[0]?.name ?? "");
      },
      (err) => setProblem(problemFrom(err)),
    );
  }, [api, db]);

  const body = (): BodyInit => file ?? text;

  const writeLines = async () => {
    const source = await sourceLines(text, file);
    try {
      await api.request("POST", `${databasePath(db)}/write`, {
        query: { precision },
        body: body(),
        contentType: "text/plain; charset=utf-8",
      });
      const written = (source ?? []).filter((l) => l.trim() !== "" && !l.trimStart().startsWith("#")).length;
      setReport({ written, rejected: 0, lines: [], source });
    } catch (err) {
      if (err instanceof ApiError && err.problem.code === "POINTS_REJECTED") {
        const p = err.problem;
        setReport({ written: p.written ?? 0, rejected: p.rejected ?? 0, lines: p.lines ?? [], source });
        setProblem(p);
      } else throw err;
    }
  };

  const importCsv = async () => {
    const source = await sourceLines(text, file);
    setTotal(await countRows(text, file));
    const upload = api.fetch("POST", `${databasePath(db)}/series/${enc(series)}/import`, {
      query: { precision },
      body: body(),
      contentType: "text/csv",
    });
    const response = await upload;
    const location = response.headers.get("location");
    let done = false;
    const final = response.json().then((j: Job) => {
      done = true;
      return j;
    });
    // progress while the upload runs (GET /v1/jobs/{id}); the reply's body is the final state
    if (location !== null) {
      while (!done) {
        const state = await api.get<Job>(location);
        setJob(state);
        if (state.status !== "running" && state.status !== "pending") break;
        await Promise.race([final, new Promise((r) => setTimeout(r, 250))]);
      }
    }
    const last = await final;
    setJob(last);
    setReport({
      written: last.rowsWritten ?? 0,
      rejected: last.rowsRejected ?? 0,
      lines: last.rejections ?? [],
      source,
    });
    if (last.status === "failed")
      setProblem({
        title: "The import failed",
        status: 0,
        detail: last.error ?? undefined,
        code: "JOB_FAILED",
      });
  };

  return (
    <section>
      <h1>Write points</h1>
      <form
        class="card"
        aria-label="Write"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setReport(undefined);
          setProblem(undefined);
          setJob(undefined);
          try {
            if (format === "lp") await writeLines();
            else await importCsv();
          } catch (err) {
            setProblem(problemFrom(err));
          } finally {
            setBusy(false);
          }
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
          <Field label="Format">
            <select name="format" value={format} onChange={(e) => setFormat(value(e) as "lp" | "csv")}>
              <option value="lp">InfluxDB line protocol</option>
              <option value="csv">CSV (import into one series)</option>
            </select>
          </Field>
          {format === "csv" && (
            <Field label="Series">
              <select name="series" value={series} onChange={(e) => setSeries(value(e))}>
                {seriesList.map((s) => (
                  <option key={s.name}>{s.name}</option>
                ))}
              </select>
            </Field>
          )}
          <Field label="Precision of integer times">
            <select name="precision" value={precision} onChange={(e) => setPrecision(value(e))}>
              {["ns", "us", "ms", "s"].map((p) => (
                <option key={p}>{p}</option>
              ))}
            </select>
          </Field>
        </div>
        <Field
          label={format === "lp" ? "Line protocol" : "CSV (a header line naming the columns, time required)"}
          hint={
            format === "lp"
              ? "cpu,host=a,region=eu usage=0.5 1704067200000000000"
              : "time,host,usage / 2024-01-02T00:00:00Z,a,1.5"
          }
        >
          <textarea
            name="data"
            rows={10}
            spellcheck={false}
            value={text}
            disabled={file !== undefined}
            onInput={(e) => setText(value(e))}
          />
        </Field>
        <Field label="…or upload a file">
          <input
            type="file"
            name="file"
            accept={format === "lp" ? ".txt,.lp,.line,text/plain" : ".csv,text/csv"}
            onChange={(e) => setFile((e.target as HTMLInputElement).files?.[0] ?? undefined)}
          />
        </Field>
        <button
          type="submit"
          class="primary"
          disabled={busy || db === "" || (format === "csv" && series === "")}
        >
          {format === "lp" ? "Write" : "Import"}
        </button>
      </form>
      {job !== undefined && (
        <div class="card" data-testid="job">
          <p>
            Job <code>{job.id}</code>: <span data-testid="job-status">{job.status}</span>, {job.rowsRead ?? 0}{" "}
            rows read
          </p>
          <progress
            max={Math.max(total, job.rowsRead ?? 0, 1)}
            value={job.status === "succeeded" ? Math.max(total, job.rowsRead ?? 0, 1) : (job.rowsRead ?? 0)}
            aria-label="Import progress"
          />
        </div>
      )}
      {report !== undefined && <ReportView report={report} />}
      <ProblemBox problem={problem} />
    </section>
  );
}
