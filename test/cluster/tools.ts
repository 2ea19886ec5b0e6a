import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { access, constants } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

const here = dirname(fileURLToPath(import.meta.url));
const buildScript = join(here, "build-tools.sh");

/** The Kubernetes release that test/cluster/tools/go.mod pins, e.g. v1.37.2. */
export function pinnedKubernetesVersion(): string {
  const goMod = readFileSync(join(here, "tools", "go.mod"), "utf8");
  const version = /^\s*k8s\.io\/kubernetes (v\S+)/m.exec(goMod)?.[1];
  if (!version) throw new Error("test/cluster/tools/go.mod requires no k8s.io/kubernetes");
  return version;
}

/** The control-plane binaries built by `make cluster-tools`, and kwok's stage configs. */
export interface ClusterTools {
  binDir: string;
  etcd: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  kwok: string;
  helm: string;
  /** kwok's Stage configs (nodes Ready with a Lease heartbeat, pods Running and Ready) */
  kwokStages: string;
}

function toolsIn(binDir: string): ClusterTools {
  return {
    binDir,
    etcd: join(binDir, "etcd"),
    kubeApiserver: join(binDir, "kube-apiserver"),
    kubeControllerManager: join(binDir, "kube-controller-manager"),
    kubeScheduler: join(binDir, "kube-scheduler"),
    kwok: join(binDir, "kwok"),
    helm: join(binDir, "helm"),
    kwokStages: join(binDir, "..", "share", "kwok-stages.yaml"),
  };
}

/**
 * Where the tools are: GURU_CLUSTER_BIN when set, else the cache directory that
 * test/cluster/build-tools.sh keys by version. Never builds (a cold build takes many minutes):
 * a missing build fails with the command that makes it.
 */
export async function findClusterTools(): Promise<ClusterTools> {
  const override = process.env.GURU_CLUSTER_BIN;
  let binDir: string;
  if (override) {
    binDir = override;
  } else {
    try {
      binDir = (await run(buildScript, ["--bin-dir"])).stdout.trim();
    } catch (err) {
      const stdout = (err as { stdout?: string }).stdout?.trim();
      throw new Error(
        `the local Kubernetes control plane is not built${stdout ? ` (expected in ${stdout})` : ""}: ` +
          "run `make cluster-tools` first (a cold build takes a while, see docs/testing.md)",
      );
    }
  }
  const tools = toolsIn(binDir);
  for (const path of [
    tools.etcd,
    tools.kubeApiserver,
    tools.kubeControllerManager,
    tools.kubeScheduler,
    tools.kwok,
  ]) {
    try {
      await access(path, constants.X_OK);
    } catch {
      throw new Error(`${path} is missing or not executable: run \`make cluster-tools\``);
    }
  }
  return tools;
}
