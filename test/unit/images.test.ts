/**
 * The Dockerfiles of guru-api, guru-operator and guru-engine, checked without a Docker engine
 * (DESIGN.md §5): a small parser reads each one into stages and instructions, and the checks ask
 * what a reviewer would: pinned bases, a non-root final stage with no build tools and production
 * dependencies only, a HEALTHCHECK on the service's own health endpoint, and that everything
 * copied or run exists (the repository's files, or what `npx tsc -b` writes to dist/: `make test`
 * builds first).
 */
import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { posix } from "node:path";
import { promisify } from "node:util";
import { loadConfig as loadApiConfig } from "../../api/src/config.js";
import { BACKUP_COMMAND, RESTORE_COMMAND } from "../../crds/src/backup-programs.js";
import { engineConfigSchema } from "../../engine/src/config.js";
import { ENGINE_HTTP_PORT, Q_PORT, RUN_AS_USER } from "../../operator/src/builders/names.js";
import { operatorConfig } from "../../operator/src/config.js";
import { staticModuleGraph } from "../support/module-graph.js";

const run = promisify(execFile);

interface Instruction {
  /** upper-case keyword: FROM, RUN, COPY, ... */
  op: string;
  /** `--from=build` → { from: "build" } */
  flags: Record<string, string>;
  /** the rest: JSON exec form parsed to an array, else the raw text */
  args: string[] | string;
  line: number;
}

interface Stage {
  base: string;
  name: string | undefined;
  instructions: Instruction[];
}

/** A Dockerfile as stages of instructions: comments and parser directives dropped, continuations joined. */
function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    let line = (lines[i] as string).trim();
    const start = i + 1;
    if (line === "" || line.startsWith("#")) continue;
    while (line.endsWith("\\") && i + 1 < lines.length) {
      i++;
      const next = (lines[i] as string).trim();
      // comment lines inside a continuation are dropped, and the continuation goes on
      if (next.startsWith("#")) continue;
      line = `${line.slice(0, -1).trimEnd()} ${next}`.trimEnd();
    }
    const match = /^(\w+)\s*(.*)$/s.exec(line);
    if (!match) throw new Error(`line ${start}: not an instruction: ${line}`);
    const op = (match[1] as string).toUpperCase();
    let rest = match[2] as string;
    const flags: Record<string, string> = {};
    for (
      let flag = /^--([\w-]+)(?:=(\S+))?\s*/.exec(rest);
      flag;
      flag = /^--([\w-]+)(?:=(\S+))?\s*/.exec(rest)
    ) {
      flags[flag[1] as string] = flag[2] ?? "true";
      rest = rest.slice(flag[0].length);
    }
    let args: string[] | string = rest.trim();
    if (args.startsWith("[")) {
      args = JSON.parse(args) as string[];
    }
    const instruction: Instruction = { op, flags, args, line: start };
    if (op === "FROM") {
      const [base, as, name] = (args as string).split(/\s+/);
      if (!base) throw new Error(`line ${start}: FROM without an image`);
      stages.push({ base, name: as?.toUpperCase() === "AS" ? name : undefined, instructions: [] });
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`line ${start}: ${op} before the first FROM`);
    stage.instructions.push(instruction);
  }
  return stages;
}

/** Shell-form args split on whitespace (enough for COPY/EXPOSE/USER). */
const words = (args: string[] | string) => (Array.isArray(args) ? args : args.split(/\s+/).filter(Boolean));

interface ImageSpec {
  file: string;
  /** dist/ file the ENTRYPOINT runs */
  main: string;
  /** the port variable and default the healthcheck reads, and that the service listens on */
  healthPortVariable: string;
  healthPort: number;
  exposes: number[];
  /** dist/ files the process loads with `import()` in the modes the image runs */
  loadsLater: string[];
  /** other programs run from the image (`node <file>`), as guru-operator runs them */
  programs: string[];
}

const IMAGES: ImageSpec[] = [
  {
    file: "images/api.Dockerfile",
    main: "dist/api/src/main.js",
    healthPortVariable: "GURU_API_PORT",
    healthPort: loadApiConfig({
      GURU_API_MODE: "cloud",
      GURU_API_REDIS_URL: "redis://x",
      GURU_API_EVENTS: "sns",
      GURU_API_EVENTS_TOPIC_ARN: "t",
      GURU_API_EVENTS_QUEUE_URL: "http://q",
    }).port,
    exposes: [8080, 9464],
    // cloud mode; local mode (dynalite, guru-engine) is `make run`'s, from the repository
    loadsLater: [
      "dist/api/src/provisioning/kubernetes-provisioner.js",
      "dist/api/src/backups/s3-backup-storage.js",
    ],
    // a KdbBackup's Job and a bootstrapped database's init container (crds/src/backup-programs.ts)
    programs: [BACKUP_COMMAND, RESTORE_COMMAND].map(([node, file]) => {
      assert.equal(node, "node");
      return file as string;
    }),
  },
  {
    file: "images/operator.Dockerfile",
    main: "dist/operator/src/main.js",
    healthPortVariable: "GURU_OPERATOR_HTTP_PORT",
    healthPort: operatorConfig().httpPort,
    exposes: [8080],
    loadsLater: [],
    programs: [],
  },
  {
    file: "images/engine.Dockerfile",
    main: "dist/engine/src/main.js",
    healthPortVariable: "GURU_HTTP_PORT",
    healthPort: ENGINE_HTTP_PORT,
    exposes: [Q_PORT, ENGINE_HTTP_PORT],
    loadsLater: [],
    programs: [],
  },
];

const BUILD_TOOLS = /\b(gcc|g\+\+|make|build-essential|python3?|git|curl|wget)\b/;
const manifest = JSON.parse(readFileSync("package.json", "utf8")) as Record<
  "dependencies" | "devDependencies",
  Record<string, string>
>;
const devDependencies = Object.keys(manifest.devDependencies);
const dependencies = Object.keys(manifest.dependencies);

describe("images: Dockerfile parser", () => {
  it("reads stages, flags, exec forms and continuation lines", () => {
    const stages = parseDockerfile(
      [
        "# syntax=docker/dockerfile:1.7",
        "FROM node:22-slim AS build",
        "RUN a \\",
        "  # a comment inside a continuation",
        "  && b",
        "FROM node:22-slim",
        "COPY --from=build --chmod=0755 /app/dist ./dist",
        'ENTRYPOINT ["node", "x.js"]',
      ].join("\n"),
    );
    assert.equal(stages.length, 2);
    assert.equal(stages[0]?.name, "build");
    assert.equal(stages[0]?.instructions[1]?.args, "a && b");
    assert.deepEqual(stages[1]?.instructions[1]?.flags, { from: "build", chmod: "0755" });
    assert.deepEqual(stages[1]?.instructions[2]?.args, ["node", "x.js"]);
  });
});

for (const image of IMAGES) {
  describe(`images: ${image.file}`, () => {
    const stages = parseDockerfile(readFileSync(image.file, "utf8"));
    const final = stages.at(-1) as Stage;
    const byName = new Map(stages.filter((s) => s.name).map((s) => [s.name as string, s]));
    const all = (stage: Stage, op: string) => stage.instructions.filter((i) => i.op === op);
    const workdir = (stage: Stage) => {
      const dirs = all(stage, "WORKDIR");
      return dirs.length > 0 ? (dirs.at(-1)?.args as string) : "/";
    };

    it("is multi-stage, every base pinned to a version tag (no latest, no bare name)", () => {
      assert.ok(stages.length >= 2, "a build stage and a runtime stage");
      for (const stage of stages) {
        if (byName.has(stage.base)) continue;
        const tag = /^[\w./-]+:([\w.-]+)(@sha256:[a-f0-9]{64})?$/.exec(stage.base)?.[1];
        assert.ok(tag, `${stage.base}: pin a tag`);
        assert.notEqual(tag, "latest", `${stage.base}: latest is not a pin`);
        assert.match(tag, /^\d+\.\d+\.\d+/, `${stage.base}: pin a full version, not a moving major`);
      }
    });

    it("runs on Node 22 like its sibling images", () => {
      for (const stage of stages.filter((s) => !byName.has(s.base)))
        assert.match(stage.base, /^node:22\.\d+\.\d+-bookworm-slim/);
    });

    it("compiles with npm ci and npx tsc -b in a build stage", () => {
      const runs = stages.flatMap((s) => all(s, "RUN").map((i) => i.args as string));
      assert.ok(
        runs.some((r) => /\bnpm ci\b/.test(r) && !/--omit=dev/.test(r)),
        "npm ci with dev dependencies",
      );
      assert.ok(
        runs.some((r) => /\bnpx tsc -b\b/.test(r)),
        "npx tsc -b",
      );
    });

    it("runs the final stage as a numeric non-root user", () => {
      const users = all(final, "USER");
      assert.ok(users.length > 0, "USER in the final stage");
      const user = words(users.at(-1)?.args ?? "")[0] as string;
      const [uid, gid] = user.split(":");
      assert.match(uid as string, /^\d+$/, "numeric UID (runAsNonRoot can verify only a number)");
      assert.notEqual(Number(uid), 0);
      assert.equal(Number(uid), RUN_AS_USER, "the UID the chart's and the operator's securityContexts use");
      if (gid !== undefined) assert.notEqual(Number(gid), 0);
    });

    it("has production dependencies only and no build tools in the final stage", () => {
      const copies = all(final, "COPY");
      const modules = copies.find((c) => words(c.args).some((w) => w.endsWith("node_modules")));
      assert.ok(modules?.flags.from, "node_modules comes from a stage");
      const source = byName.get(modules.flags.from as string) as Stage;
      assert.ok(source, `stage ${modules.flags.from}`);
      const install = all(source, "RUN").map((i) => i.args as string);
      assert.ok(
        install.some((r) => /\bnpm ci\b.*--omit=dev/.test(r)),
        `stage ${source.name} installs with npm ci --omit=dev`,
      );
      assert.ok(!install.some((r) => /\bnpm (i|install)\b/.test(r)), "only npm ci (the lock file)");
      for (const r of all(final, "RUN").map((i) => i.args as string)) {
        assert.doesNotMatch(r, /apt-get install|apk add/, "installs nothing in the final stage");
        assert.doesNotMatch(r, /\bnpm (ci|i|install)\b/);
      }
      assert.ok(
        all(final, "RUN").some((i) => /rm -rf .*\/npm\b/.test(i.args as string)),
        "npm removed from the runtime image",
      );
      const text = final.instructions
        .map((i) => (Array.isArray(i.args) ? i.args.join(" ") : i.args))
        .join("\n");
      assert.doesNotMatch(text.replace(/rm -rf[^&]*/g, ""), BUILD_TOOLS);
      // nothing of the sources or dev tooling is copied in
      for (const c of copies) for (const w of words(c.args)) assert.ok(!devDependencies.includes(w), w);
    });

    it("copies only what exists: repository files, or build outputs present after `make build`", () => {
      for (const stage of stages) {
        for (const copy of all(stage, "COPY")) {
          const parts = words(copy.args);
          const sources = parts.slice(0, -1);
          assert.ok(sources.length > 0, `line ${copy.line}: COPY needs a source and a destination`);
          for (const source of sources) {
            let path = source;
            if (copy.flags.from) {
              const from = byName.get(copy.flags.from);
              assert.ok(from, `line ${copy.line}: --from=${copy.flags.from} names no stage`);
              const dir = workdir(from);
              assert.ok(source.startsWith(`${dir}/`), `line ${copy.line}: ${source} is under ${dir}`);
              path = posix.relative(dir, source);
            }
            assert.ok(existsSync(path), `line ${copy.line}: ${path} does not exist (run make build first)`);
          }
        }
      }
    });

    it("does not ignore in .dockerignore what it copies from the context", () => {
      const ignored = readFileSync(".dockerignore", "utf8")
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith("#"));
      for (const copy of stages.flatMap((s) => all(s, "COPY")).filter((c) => !c.flags.from)) {
        for (const source of words(copy.args).slice(0, -1)) {
          const clean = source.replace(/\/$/, "");
          assert.ok(!ignored.includes(clean), `${clean} is copied but .dockerignore drops it`);
        }
      }
    });

    it("carries the dist/ files and packages its process loads, and no other package", () => {
      const modulesFrom = all(final, "COPY").find((c) =>
        words(c.args).some((w) => w.endsWith("node_modules")),
      );
      const removed = all(byName.get(modulesFrom?.flags.from ?? "") as Stage, "RUN").flatMap((r) =>
        [...(r.args as string).matchAll(/npm uninstall ([^&]*)/g)].flatMap((m) =>
          words(m[1] as string).filter((w) => !w.startsWith("-")),
        ),
      );
      const distCopied = all(final, "COPY")
        .filter((c) => c.flags.from === "build")
        .flatMap((c) => words(c.args).slice(0, -1))
        .map((source) => posix.relative("/app", source))
        .filter((path) => path === "dist" || path.startsWith("dist/"));
      const loaded = new Set<string>();
      for (const entry of [image.main, ...image.loadsLater, ...image.programs]) {
        assert.ok(existsSync(entry), `${entry} (run make build first)`);
        const graph = staticModuleGraph(entry);
        for (const file of graph.files) {
          const path = posix.relative(process.cwd(), file);
          assert.ok(
            distCopied.some((dir) => path.startsWith(`${dir}/`)),
            `${entry} loads ${path}, which is not copied`,
          );
        }
        for (const name of graph.packages) loaded.add(name);
      }
      for (const name of loaded) {
        assert.ok(dependencies.includes(name), `${name} is loaded but not a production dependency`);
        assert.ok(!removed.includes(name), `${name} is loaded but uninstalled`);
      }
      const carried = dependencies.filter((name) => !removed.includes(name));
      assert.deepEqual(carried.sort(), [...loaded].sort(), "uninstall the dependencies it never loads");
    });

    it(`runs ${image.main} as ENTRYPOINT, which the build produced`, () => {
      const entry = all(final, "ENTRYPOINT").at(-1);
      assert.ok(entry && Array.isArray(entry.args), "ENTRYPOINT in exec form (signals reach node)");
      assert.deepEqual(entry.args, ["node", image.main]);
      assert.ok(existsSync(image.main), `${image.main} (run make build first)`);
      const dist = all(final, "COPY").find((c) => words(c.args)[0]?.startsWith("/app/dist"));
      assert.ok(dist, "dist/ copied from the build stage");
      assert.equal(workdir(final), "/app");
    });

    it(`checks its health on ${image.healthPortVariable} (default ${image.healthPort}) /healthz`, () => {
      const health = all(final, "HEALTHCHECK").at(-1);
      assert.ok(health, "HEALTHCHECK");
      const cmd = (health.args as string).replace(/^.*?CMD\s+/, "");
      assert.deepEqual(JSON.parse(cmd), [
        "node",
        "/app/healthcheck.mjs",
        image.healthPortVariable,
        String(image.healthPort),
        "/healthz",
      ]);
      const exposed = all(final, "EXPOSE").flatMap((e) => words(e.args).map(Number));
      assert.deepEqual(exposed, image.exposes);
    });
  });
}

describe("images: the engine's defaults match what guru-operator configures", () => {
  it("listens on all interfaces on the operator's ports", () => {
    const final = parseDockerfile(readFileSync("images/engine.Dockerfile", "utf8")).at(-1) as Stage;
    const env = final.instructions
      .filter((i) => i.op === "ENV")
      .flatMap((i) => [...(i.args as string).matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1], m[2]]));
    const vars = Object.fromEntries(env) as Record<string, string>;
    assert.equal(vars.GURU_PORT, String(Q_PORT));
    assert.equal(vars.GURU_HTTP_PORT, String(ENGINE_HTTP_PORT));
    assert.equal(vars.GURU_HOST, "0.0.0.0");
    const parsed = engineConfigSchema.parse({
      host: vars.GURU_HOST,
      port: vars.GURU_PORT,
      segments: ["/data"],
    });
    assert.equal(parsed.port, Q_PORT);
  });
});

describe("images: healthcheck.mjs", () => {
  let server: Server;
  let port: number;
  let status = 200;
  before(async () => {
    server = createServer((req, res) => {
      res.statusCode = req.url === "/healthz" ? status : 404;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const check = (env: Record<string, string>, args: string[]) =>
    run(process.execPath, ["images/healthcheck.mjs", ...args], { env: { ...process.env, ...env } }).then(
      () => 0,
      (err: { code?: number }) => err.code ?? -1,
    );

  it("exits 0 on a 2xx answer, reading the port from the named variable", async () => {
    status = 200;
    assert.equal(await check({ TEST_PORT: String(port) }, ["TEST_PORT", "1", "/healthz"]), 0);
  });
  it("falls back to the default port when the variable is unset", async () => {
    assert.equal(await check({}, ["UNSET_PORT_VARIABLE", String(port), "/healthz"]), 0);
  });
  it("exits 1 on an error answer or a refused connection", async () => {
    status = 503;
    assert.equal(await check({ TEST_PORT: String(port) }, ["TEST_PORT", "1", "/healthz"]), 1);
    assert.equal(await check({}, ["UNSET_PORT_VARIABLE", "1", "/healthz"]), 1);
  });
});
