import { existsSync } from "node:fs";
import { join } from "node:path";
import { LOOPBACK, type RunningService, startService } from "./process.js";

function motoPython(): string {
  const venv = process.env.MOTO_VENV;
  const python = venv ? join(venv, "bin", "python") : "";
  if (!venv || !existsSync(join(venv, ".complete"))) {
    throw new Error(
      `moto is not installed${venv ? ` in ${venv}` : " (MOTO_VENV is not set)"}: run the suite through \`make test\`, which installs it (scripts/install-services.sh).`,
    );
  }
  return python;
}

/** moto in server mode (SNS, SQS and the rest of its AWS APIs), on a free loopback port. */
export function startMoto(): Promise<RunningService> {
  return startService({
    name: "moto",
    command: motoPython(),
    args: (port) => ["-m", "moto.server", "--host", LOOPBACK, "--port", String(port)],
    ready: async (port) => (await fetch(`http://${LOOPBACK}:${port}/moto-api/`)).ok,
    installHint: "Run `make services` to install moto into its virtualenv.",
  });
}
