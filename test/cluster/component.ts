import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

/** One process of the control plane: its own process group, its output in a log file. */
export interface Component {
  readonly name: string;
  readonly logFile: string;
  /** true while the process runs */
  running(): boolean;
  /** the last lines of its log, to explain a failure */
  tail(lines?: number): string;
  /** SIGTERM to its process group, SIGKILL after the grace period; resolves once it exited */
  stop(graceMs?: number): Promise<void>;
}

export interface ComponentSpec {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
}

const live = new Set<ChildProcess>();

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

// Last resort for a run that ends without the root hook (process.exit, an uncaught error): no
// component outlives the test process. A SIGKILLed test process is covered by the parent-death
// signal set below.
process.on("exit", () => {
  for (const child of live) signalGroup(child, "SIGKILL");
});

/** `setpriv --pdeathsig` makes the kernel kill the component when the test process dies. */
const setpriv = ["/usr/bin/setpriv", "/bin/setpriv"].find((path) => existsSync(path));

function lastLines(file: string, count: number): string {
  try {
    const lines = readFileSync(file, "utf8").split("\n").filter(Boolean);
    return lines.slice(-count).join("\n");
  } catch {
    return "(no log)";
  }
}

/** Starts a component in its own process group, its stdout and stderr appended to its log file. */
export function startComponent(spec: ComponentSpec): Component {
  const out = openSync(spec.logFile, "a");
  const [command, args] = setpriv
    ? [setpriv, ["--pdeathsig", "SIGKILL", "--", spec.command, ...spec.args]]
    : [spec.command, spec.args];
  let child: ChildProcess;
  try {
    child = spawn(command, args, {
      detached: true, // its own process group, killed as a whole
      stdio: ["ignore", out, out],
      env: spec.env ?? process.env,
    });
  } finally {
    closeSync(out);
  }
  live.add(child);
  const exited = once(child, "exit").then(() => {
    live.delete(child);
  });
  child.on("error", () => {
    // reported through running() and the log; spawn errors also end in "exit" or never start
    live.delete(child);
  });
  return {
    name: spec.name,
    logFile: spec.logFile,
    running: () => child.pid !== undefined && child.exitCode === null && child.signalCode === null,
    tail: (count = 30) => lastLines(spec.logFile, count),
    async stop(graceMs = 10_000) {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) {
        signalGroup(child, "SIGKILL"); // anything it left in its group
        return;
      }
      signalGroup(child, "SIGTERM");
      const timer = sleep(graceMs).then(() => signalGroup(child, "SIGKILL"));
      await Promise.race([exited, timer]);
      await exited;
      signalGroup(child, "SIGKILL");
    },
  };
}

/** Polls `probe` until it returns true; fails with the component's log tail if it exits first. */
export async function waitUntilReady(
  component: Component,
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = "";
  while (Date.now() < deadline) {
    if (!component.running()) {
      throw new Error(
        `${component.name} exited before ${what}; last lines of ${component.logFile}:\n${component.tail()}`,
      );
    }
    try {
      if (await probe()) return;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    await sleep(200);
  }
  throw new Error(
    `${component.name}: not ${what} within ${timeoutMs} ms${lastError ? ` (last probe: ${lastError})` : ""}; ` +
      `last lines of ${component.logFile}:\n${component.tail()}`,
  );
}
