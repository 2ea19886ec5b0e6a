/**
 * guru-api as `make run` runs it: `node dist/api/src/main.js` in local mode (engines as child
 * processes), its data in `dataDir`, on `port`. Needs `make build` (every test target runs it).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";

export interface ApiProcess {
  pid: number;
  url: string;
  /** everything it printed so far */
  output(): string;
  /** its JSON log lines whose `msg` is `msg` */
  logs(msg: string): Record<string, unknown>[];
  /** resolves when it exits */
  exited: Promise<unknown>;
  /** SIGTERM (graceful), or the signal given, then wait for exit */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function startApiProcess(
  dataDir: string,
  port: number,
  env: Record<string, string> = {},
): Promise<ApiProcess> {
  const child: ChildProcess = spawn(process.execPath, ["dist/api/src/main.js"], {
    env: {
      ...process.env,
      GURU_API_MODE: "local",
      GURU_API_DATA_DIR: dataDir,
      GURU_API_PORT: String(port),
      GURU_API_METRICS_PORT: "0",
      GURU_API_LOG_LEVEL: "warn",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  let output = "";
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = once(child, "exit");
  const [message] = (await Promise.race([
    once(child, "message"),
    exited.then(() => {
      throw new Error(`guru-api exited:\n${output}`);
    }),
  ])) as [{ type: string; url: string }];
  if (message.type !== "listening") throw new Error(`guru-api said ${JSON.stringify(message)}`);
  child.disconnect();
  return {
    pid: child.pid as number,
    url: message.url,
    output: () => output,
    logs: (msg) =>
      output
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((line) => line.msg === msg),
    exited,
    stop: async (signal = "SIGTERM") => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
