/** One database: its details, its series (list, create), delete with confirmation. */
import { useCallback, useEffect, useState } from "preact/hooks";
import { ApiError, type Database, enc, listAll, type Problem, type Series } from "../api.js";
import { href, navigate } from "../router.js";
import { useSession } from "../session.js";
import { Confirm, Field, ProblemBox, problemFrom, StatusBadge, value } from "../ui.js";
import { databasePath, SETTLING } from "./databases.js";

const FIELD_TYPES = ["float", "real", "long", "int", "boolean", "string", "symbol", "timestamp", "timespan"];

function CreateSeries({ db, onCreated }: { db: string; onCreated: () => void }) {
  const { api } = useSession();
  const [name, setName] = useState("");
  const [tags, setTags] = useState("");
  const [fields, setFields] = useState([{ name: "", type: "float" }]);
  const [problem, setProblem] = useState<Problem>();
  return (
    <form
      class="card"
      aria-label="Create a series"
      onSubmit={async (e) => {
        e.preventDefault();
        setProblem(undefined);
        try {
          await api.request("POST", `${databasePath(db)}/series`, {
            json: {
              name,
              tags: tags
                .split(",")
                .map((t) => t.trim())
                .filter((t) => t !== ""),
              fields: fields
                .filter((f) => f.name.trim() !== "")
                .map((f) => ({ name: f.name.trim(), type: f.type })),
            },
          });
          setName("");
          setTags("");
          setFields([{ name: "", type: "float" }]);
          onCreated();
        } catch (err) {
          setProblem(problemFrom(err));
        }
      }}
    >
      <h2>Create a series</h2>
      <div class="row">
        <Field label="Name">
          <input name="series-name" required value={name} onInput={(e) => setName(value(e))} />
        </Field>
        <Field label="Tags" hint="comma-separated: host, region">
          <input name="tags" value={tags} onInput={(e) => setTags(value(e))} />
        </Field>
      </div>
      <fieldset>
        <legend>Fields</legend>
        {fields.map((f, i) => (
          <div class="row" key={i}>
            <Field label={`Field ${i + 1} name`}>
              <input
                name={`field-${i}-name`}
                value={f.name}
                onInput={(e) => setFields(fields.map((g, j) => (j === i ? { ...g, name: value(e) } : g)))}
              />
            </Field>
            <Field label="type">
              <select
                name={`field-${i}-type`}
                value={f.type}
                onChange={(e) => setFields(fields.map((g, j) => (j === i ? { ...g, type: value(e) } : g)))}
              >
                {FIELD_TYPES.map((t) => (
                  <option key={t}>{t}</option>
                ))}
              </select>
            </Field>
            {fields.length > 1 && (
              <button type="button" onClick={() => setFields(fields.filter((_, j) => j !== i))}>
                Remove field {i + 1}
              </button>
            )}
          </div>
        ))}
        <button type="button" onClick={() => setFields([...fields, { name: "", type: "float" }])}>
          Add a field
        </button>
      </fieldset>
      <button type="submit" class="primary">
        Create series
      </button>
      <ProblemBox problem={problem} />
    </form>
  );
}

export function DatabasePage({ db }: { db: string }) {
  const { api, scopes } = useSession();
  const [database, setDatabase] = useState<Database>();
  const [series, setSeries] = useState<Series[]>();
  const [problem, setProblem] = useState<Problem>();
  const [confirming, setConfirming] = useState(false);
  const [gone, setGone] = useState(false);

  const load = useCallback(async () => {
    try {
      const d = await api.get<Database>(databasePath(db));
      setDatabase(d);
      setProblem(undefined);
      if (d.status === "ready") setSeries(await listAll<Series>(api, `${databasePath(db)}/series`));
    } catch (err) {
      if (
        err instanceof ApiError &&
        err.problem.code === "DATABASE_NOT_FOUND" &&
        database?.status === "deleting"
      )
        setGone(true);
      else setProblem(problemFrom(err));
    }
  }, [api, db, database?.status]);

  useEffect(() => {
    load();
  }, [load]);
  const settling = database !== undefined && SETTLING.has(database.status) && !gone;
  useEffect(() => {
    if (!settling) return;
    const timer = setInterval(load, 1000);
    return () => clearInterval(timer);
  }, [settling, load]);

  if (gone)
    return (
      <section>
        <h1>{db}</h1>
        <p role="status">
          The database {db} is deleted. <a href={href(["databases"])}>Back to the databases</a>
        </p>
      </section>
    );
  return (
    <section>
      <p class="crumbs">
        <a href={href(["databases"])}>Databases</a> /
      </p>
      <h1>
        {db} {database !== undefined && <StatusBadge status={database.status} />}
      </h1>
      <ProblemBox problem={problem} />
      {database !== undefined && (
        <dl class="facts">
          <dt>size</dt>
          <dd>{database.size}</dd>
          <dt>engine</dt>
          <dd>{database.engine}</dd>
          <dt>region</dt>
          <dd>{database.region}</dd>
          <dt>stripes</dt>
          <dd>
            {database.storage.stripes} × {database.storage.stripeSizeGiB} GiB
          </dd>
          <dt>retention</dt>
          <dd>{database.retention === null ? "keep everything" : `${database.retention.days} days`}</dd>
          {database.statusReason !== null && (
            <>
              <dt>status reason</dt>
              <dd>{database.statusReason}</dd>
            </>
          )}
        </dl>
      )}
      <div class="actions">
        {scopes.canRead(db) && <a href={href(["explore"], { db })}>Explore</a>}
        {scopes.canWrite(db) && <a href={href(["write"], { db })}>Write points</a>}
        {scopes.accountAdmin && database !== undefined && database.status !== "deleting" && (
          <button type="button" class="danger" onClick={() => setConfirming(true)}>
            Delete database
          </button>
        )}
      </div>
      <h2>Series</h2>
      {database?.status !== "ready" ? (
        <p>Series are shown once the database is ready.</p>
      ) : series === undefined ? (
        <p class="loading">Loading…</p>
      ) : series.length === 0 ? (
        <p>No series yet.</p>
      ) : (
        <table class="list" aria-label="Series">
          <thead>
            <tr>
              <th>name</th>
              <th>tags</th>
              <th>fields</th>
              <th>created</th>
            </tr>
          </thead>
          <tbody>
            {series.map((s) => (
              <tr key={s.name} data-series={s.name}>
                <td>
                  <a href={href(["databases", db, "series", s.name])}>{s.name}</a>
                </td>
                <td>
                  {s.columns
                    .filter((c) => c.tag)
                    .map((c) => c.name)
                    .join(", ")}
                </td>
                <td>
                  {s.columns
                    .filter((c) => !c.tag && c.name !== "time")
                    .map((c) => `${c.name} (${c.type})`)
                    .join(", ")}
                </td>
                <td>{s.createdAt}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {database?.status === "ready" && scopes.canWrite(db) && <CreateSeries db={db} onCreated={load} />}
      <Confirm
        open={confirming}
        title={`Delete the database ${db}?`}
        confirmLabel="Delete for good"
        typeToConfirm={db}
        onCancel={() => setConfirming(false)}
        onConfirm={async () => {
          setConfirming(false);
          try {
            const r = await api.request<Database>("DELETE", databasePath(db));
            setDatabase(r.body ?? { ...database!, status: "deleting" });
          } catch (err) {
            setProblem(problemFrom(err));
          }
        }}
      >
        <p>Every series and point of {db} and its volumes are deleted. This cannot be undone.</p>
      </Confirm>
    </section>
  );
}

export function seriesPath(db: string, series: string): string {
  return `${databasePath(db)}/series/${enc(series)}`;
}

export function goExplore(db: string, series: string): void {
  navigate(["explore"], { db, series });
}
