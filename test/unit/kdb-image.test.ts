/**
 * What can be checked of the kdb+ image without kdb+ (images/kdb/README.md): the q code defines
 * and whitelists exactly the functions of docs/q-api.md, raises its error words, and the
 * Dockerfile builds from files that exist.
 */
import { strict as assert } from "node:assert";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const IMAGE = "images/kdb";
const Q_DIR = join(IMAGE, "q");
const docs = readFileSync("docs/q-api.md", "utf8");

/** q source without comments: whole-line `/` comments and trailing ` / ` comments. */
function code(text: string): string {
  return text
    .split("\n")
    .filter((line) => !/^\s*\//.test(line))
    .map((line) => line.replace(/\s\/\s.*$/, ""))
    .join("\n");
}

const qFiles = readdirSync(Q_DIR).filter((f) => f.endsWith(".q"));
const qText = qFiles.map((f) => readFileSync(join(Q_DIR, f), "utf8")).join("\n");
const qCode = code(qText);

/** `.guru.create[name; schema]` signatures of docs/q-api.md §5: name → argument count. */
function documentedFunctions(): Map<string, number> {
  const section = docs.slice(docs.indexOf("## 5. Functions"), docs.indexOf("## 6. Parity"));
  const found = new Map<string, number>();
  for (const [, name, args] of section.matchAll(/`(\.guru\.\w+)\[([^\]]*)\]/g)) {
    found.set(name as string, (args as string).split(";").length);
  }
  return found;
}

/** The text of a q function definition `name:{...}`: from its line to the next definition. */
function body(name: string): string {
  const start = new RegExp(`^${name.replace(/\./g, "\\.")}:\\{`, "m").exec(qCode);
  assert.ok(start, `${name} is not defined in images/kdb/q`);
  const rest = qCode.slice(start.index + name.length);
  const next = /^[.\w]+:/m.exec(rest);
  return next === null ? rest : rest.slice(0, next.index);
}

/** The whitelist `.guru.api:`.guru.ping`...!1 2 ...` as name → arity. */
function whitelist(): Map<string, number> {
  const match = /^\.guru\.api:((?:`[.\w]+)+)!([\d ]+)$/m.exec(qCode);
  assert.ok(match, "q/access.q must define .guru.api:`names!arities");
  const names = (match[1] as string).split("`").filter(Boolean);
  const arities = (match[2] as string).trim().split(/\s+/).map(Number);
  assert.equal(names.length, arities.length);
  return new Map(names.map((n, i) => [n, arities[i] as number]));
}

/** The error words of docs/q-api.md §3's table. */
function errorWords(): string[] {
  const section = docs.slice(docs.indexOf("## 3. Errors"), docs.indexOf("## 4. Limits"));
  return [...section.matchAll(/^\| `([\w.]+)`\s*\|/gm)].map((m) => m[1] as string);
}

/** Dockerfile instructions, continuation lines joined, comments dropped. */
function dockerfile(): { op: string; args: string }[] {
  const text = readFileSync(join(IMAGE, "Dockerfile"), "utf8")
    .split("\n")
    .filter((line) => !line.trimStart().startsWith("#"))
    .join("\n")
    .replace(/\\\n/g, " ");
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [op, ...rest] = line.split(/\s+/);
      return { op: (op as string).toUpperCase(), args: rest.join(" ") };
    });
}

/** COPY sources and destination, with its flags. */
function copies(): { from: string | undefined; sources: string[]; dest: string }[] {
  return dockerfile()
    .filter((i) => i.op === "COPY")
    .map((i) => {
      const words = i.args.split(/\s+/);
      const flags = words.filter((w) => w.startsWith("--"));
      const paths = words.filter((w) => !w.startsWith("--"));
      const from = flags.find((f) => f.startsWith("--from="))?.slice("--from=".length);
      return { from, sources: paths.slice(0, -1), dest: paths.at(-1) as string };
    });
}

describe("kdb+ image (static checks)", () => {
  describe("q code", () => {
    const documented = documentedFunctions();
    const allowed = whitelist();

    it("docs/q-api.md documents fourteen functions, none left out of the kdb+ image", () => {
      assert.equal(documented.size, 14, [...documented.keys()].join(" "));
      assert.doesNotMatch(docs, /Not yet in the kdb\+ image/);
    });

    for (const [name, arity] of documented) {
      it(`defines ${name} with ${arity} parameter(s) and whitelists it with that arity`, () => {
        const definition = new RegExp(`^${name.replace(/\./g, "\\.")}:\\{\\[([^\\]]*)\\]`, "m").exec(qCode);
        assert.ok(definition, `${name} is not defined in images/kdb/q`);
        assert.equal((definition[1] as string).split(";").length, arity, `${name}'s parameters`);
        assert.equal(allowed.get(name), arity, `${name} in .guru.api`);
      });
    }

    it("whitelists nothing else", () => {
      assert.deepEqual([...allowed.keys()].sort(), [...documented.keys()].sort());
    });

    it("handles logins, sync and async calls and HTTP itself", () => {
      for (const handler of [".z.pw", ".z.pg", ".z.ps", ".z.ph"]) {
        assert.ok(
          new RegExp(`^${handler.replace(/\./g, "\\.")}:\\{`, "m").test(qCode),
          `${handler} is not defined`,
        );
      }
    });

    // kdb+ raises these itself: 'stop past -T, 'limit for a message over its size limit
    const RAISED_BY_KDB = new Set(["stop", "limit"]);
    for (const word of errorWords()) {
      it(`raises the error word ${word}`, () => {
        if (RAISED_BY_KDB.has(word))
          assert.ok(qText.includes(`'${word}`), `q comments should say where kdb+ raises '${word}`);
        else assert.ok(qCode.includes(`"${word}`), `no "${word}..." error text in images/kdb/q`);
      });
    }

    it("hides expired rows from every read: days, extents and deletes keep only retained days", () => {
      for (const name of [".guru.days", ".guru.extent", ".guru.delete"])
        assert.match(body(name), /\.guru\.kept\b/, `${name} does not filter by the retention cutoff`);
      assert.match(body(".guru.delete"), /\.guru\.visibleFrom\b/, "delete counts expired rows in memory");
      assert.match(body(".guru.saveCatalog"), /\.guru\.retentionDays/, "retention is not stored");
    });

    it("snapshots after expiring and saving memory down, and reads only files the snapshot listed", () => {
      const snapshot = body(".guru.snapshot");
      const order = [".guru.expire[]", ".guru.savedown[]", ".guru.snapCopy"].map((s) => snapshot.indexOf(s));
      assert.ok(
        order.every((i) => i >= 0),
        `.guru.snapshot lacks a step: ${order}`,
      );
      assert.deepEqual(
        order,
        [...order].sort((a, b) => a - b),
        "expire, then savedown, then copy",
      );
      assert.match(body(".guru.snapshotRead"), /\.guru\.argErr "name: no file/);
      assert.match(body(".guru.snapshotRead"), /\.guru\.snapshotChunk&/, "reads are not capped at 4 MiB");
      assert.match(qCode, /^\.guru\.snapshotChunk:4194304$/m);
      assert.match(body(".guru.write"), /\.guru\.writes\+:1/, "acknowledged writes are not counted");
    });

    it("never evaluates text: no parse or eval", () => {
      assert.doesNotMatch(qCode, /\b(parse|eval)\b/);
    });

    it("loads every q file, and only files that exist", () => {
      const guru = code(readFileSync(join(Q_DIR, "guru.q"), "utf8"));
      const loaded = [...guru.matchAll(/"(\w+\.q)"/g)].map((m) => m[1] as string);
      assert.deepEqual([...loaded, "guru.q"].sort(), [...qFiles].sort());
    });
  });

  describe("Dockerfile", () => {
    const instructions = dockerfile();
    const first = (op: string) => instructions.find((i) => i.op === op)?.args;

    it("pins its base image by a specific tag or a digest", () => {
      const base = first("FROM") ?? "";
      assert.match(base, /^[\w./-]+(:[\w.-]+|@sha256:[0-9a-f]{64})/);
      assert.doesNotMatch(base, /:latest\b|^[\w./-]+$/);
    });

    it("copies only files that exist in images/kdb (kdb+ itself comes from the user's context)", () => {
      const local = copies().filter((c) => c.from === undefined);
      assert.ok(local.length > 0);
      for (const { sources } of local)
        for (const source of sources) assert.ok(existsSync(join(IMAGE, source)), source);
      assert.ok(
        copies().some((c) => c.from === "kdb"),
        "kdb+ is copied from the named context `kdb`",
      );
    });

    it("has an ENTRYPOINT script that exists and is executable", () => {
      const entrypoint = JSON.parse(first("ENTRYPOINT") ?? "[]") as string[];
      const copied = copies().find((c) => entrypoint.includes(c.dest));
      assert.ok(copied, `no COPY provides any of ${entrypoint.join(" ")}`);
      for (const source of copied.sources) {
        const path = join(IMAGE, source);
        assert.ok(statSync(path).mode & 0o111, `${path} is not executable`);
        assert.ok(readFileSync(path, "utf8").startsWith("#!"), `${path} has no shebang`);
      }
    });

    it("runs as a non-root user, exposes 5000 and has a HEALTHCHECK", () => {
      const user = first("USER") ?? "root";
      assert.doesNotMatch(user, /^(root|0)(:|$)/);
      assert.equal(first("EXPOSE"), "5000");
      assert.ok(first("HEALTHCHECK"), "no HEALTHCHECK");
    });

    it("starts q on guru.q with -p, -s, -T and -U", () => {
      const script = readFileSync(join(IMAGE, "entrypoint.sh"), "utf8");
      assert.match(script, /exec q guru\.q -p \S+ -s \S+ -T \S+ -U \S+/);
      assert.match(script, /par\.txt/);
    });
  });
});
