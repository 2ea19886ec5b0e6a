/** Databases: the list with status, size, stripes, engine, region; create, and watch pending → ready. */
import { useCallback, useEffect, useState } from "preact/hooks";
import { type Database, enc, listAll, type Problem } from "../api.js";
import { href } from "../router.js";
import { useSession } from "../session.js";
import { Field, ProblemBox, problemFrom, StatusBadge, value } from "../ui.js";

const SIZES = [
  ["dev", "dev: 0.5 CPU, 1 GiB"],
  ["small", "small: 2 CPU, 8 GiB"],
  ["medium", "medium: 4 CPU, 16 GiB"],
  ["large", "large: 8 CPU, 64 GiB"],
  ["xlarge", "xlarge: 16 CPU, 128 GiB"],
] as const;

/** statuses that change by themselves, so the list is read again while one shows */
export const SETTLING = new Set(["pending", "provisioning", "updating", "deleting"]);

function CreateDatabase({ onCreated }: { onCreated: (db: Database) => void }) {
  const { api } = useSession();
  const [form, setForm] = useState({
    name: "",
    size: "small",
    engine: "guru-engine",
    region: "",
    stripes: "2",
    stripeSizeGiB: "10",
    retentionDays: "",
  });
  const [problem, setProblem] = useState<Problem>();
  const [busy, setBusy] = useState(false);
  const set = (key: keyof typeof form) => (e: Event) => setForm({ ...form, [key]: value(e) });
  return (
    <form
      class="card"
      aria-label="Create a database"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setProblem(undefined);
        try {
          const body: Record<string, unknown> = {
            name: form.name,
            size: form.size,
            engine: form.engine,
            storage: { stripes: Number(form.stripes), stripeSizeGiB: Number(form.stripeSizeGiB) },
          };
          if (form.region !== "") body.region = form.region;
          if (form.retentionDays !== "") body.retention = { days: Number(form.retentionDays) };
          const created = await api.request<Database>("POST", "/v1/databases", { json: body });
          onCreated(created.body);
          setForm({ ...form, name: "" });
        } catch (err) {
          setProblem(problemFrom(err));
        } finally {
          setBusy(false);
        }
      }}
    >
      <h2>Create a database</h2>
      <div class="row">
        <Field label="Name" hint="3–40: lowercase letters, digits, -">
          <input name="name" required value={form.name} onInput={set("name")} autocomplete="off" />
        </Field>
        <Field label="Size">
          <select name="size" value={form.size} onChange={set("size")}>
            {SIZES.map(([v, label]) => (
              <option key={v} value={v}>
                {label}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Engine">
          <select name="engine" value={form.engine} onChange={set("engine")}>
            <option value="guru-engine">guru-engine</option>
            <option value="kdb">kdb+ (needs a licence)</option>
          </select>
        </Field>
        <Field label="Region" hint="empty: the API's own">
          <input name="region" value={form.region} onInput={set("region")} />
        </Field>
        <Field label="Stripes" hint="1–16, fixed for good">
          <input
            name="stripes"
            type="number"
            min={1}
            max={16}
            value={form.stripes}
            onInput={set("stripes")}
          />
        </Field>
        <Field label="GiB per stripe">
          <input
            name="stripeSizeGiB"
            type="number"
            min={1}
            value={form.stripeSizeGiB}
            onInput={set("stripeSizeGiB")}
          />
        </Field>
        <Field label="Retention (days)" hint="empty: keep everything">
          <input
            name="retentionDays"
            type="number"
            min={1}
            value={form.retentionDays}
            onInput={set("retentionDays")}
          />
        </Field>
      </div>
      <button type="submit" class="primary" disabled={busy}>
        Create database
      </button>
      <ProblemBox problem={problem} />
    </form>
  );
}

export function DatabasesPage() {
  const { api, scopes } = useSession();
  const [databases, setDatabases] = useState<Database[]>();
  const [problem, setProblem] = useState<Problem>();

  const load = useCallback(async () => {
    try {
      setDatabases(await listAll<Database>(api, "/v1/databases"));
      setProblem(undefined);
    } catch (err) {
      setProblem(problemFrom(err));
    }
  }, [api]);

  useEffect(() => {
    load();
  }, [load]);

  // watch: read again every second while any database is settling
  const settling = databases?.some((d) => SETTLING.has(d.status)) ?? false;
  useEffect(() => {
    if (!settling) return;
    const timer = setInterval(load, 1000);
    return () => clearInterval(timer);
  }, [settling, load]);

  return (
    <section>
      <h1>Databases</h1>
      <ProblemBox problem={problem} />
      {databases === undefined ? (
        <p class="loading">Loading…</p>
      ) : databases.length === 0 ? (
        <p>No databases yet.</p>
      ) : (
        <table class="list" aria-label="Databases">
          <thead>
            <tr>
              <th>name</th>
              <th>status</th>
              <th>size</th>
              <th>stripes</th>
              <th>engine</th>
              <th>region</th>
              <th>retention</th>
              <th>created</th>
            </tr>
          </thead>
          <tbody>
            {databases.map((d) => (
              <tr key={d.name} data-database={d.name}>
                <td>
                  <a href={href(["databases", d.name])}>{d.name}</a>
                </td>
                <td data-testid="status">
                  <StatusBadge status={d.status} />
                  {d.statusReason !== null && <span class="hint"> {d.statusReason}</span>}
                </td>
                <td>{d.size}</td>
                <td>
                  {d.storage.stripes} × {d.storage.stripeSizeGiB} GiB ({d.storage.totalGiB} GiB)
                </td>
                <td>{d.engine}</td>
                <td>{d.region}</td>
                <td>{d.retention === null ? "keep all" : `${d.retention.days} d`}</td>
                <td>{d.createdAt}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {scopes.accountAdmin && (
        <CreateDatabase
          onCreated={(db) => setDatabases([...(databases ?? []).filter((d) => d.name !== db.name), db])}
        />
      )}
    </section>
  );
}

export function databasePath(db: string): string {
  return `/v1/databases/${enc(db)}`;
}
