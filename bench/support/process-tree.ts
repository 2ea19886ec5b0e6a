/**
 * What a server costs, read from /proc: CPU time and resident memory of a process and every
 * process it started (guru-api's engines are children), and the bytes its data takes on disk.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const TICKS_PER_S = 100;

interface Stat {
  pid: number;
  ppid: number;
  cpuS: number;
}

function stat(pid: number): Stat | undefined {
  try {
    // the command name may hold spaces and parentheses: fields start after the last ")"
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { pid, ppid: Number(f[1]), cpuS: (Number(f[11]) + Number(f[12])) / TICKS_PER_S };
  } catch {
    return undefined; // it exited between the listing and the read
  }
}

/** the process and its descendants */
export function tree(root: number): number[] {
  const all = readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .map((d) => stat(Number(d)))
    .filter((s): s is Stat => s !== undefined);
  const out = [root];
  for (let i = 0; i < out.length; i++) for (const s of all) if (s.ppid === out[i]) out.push(s.pid);
  return out;
}

/** user + system CPU seconds of the process tree, or of the root process alone */
export function cpuSeconds(root: number, descendants = true): number {
  return (descendants ? tree(root) : [root]).reduce((sum, pid) => sum + (stat(pid)?.cpuS ?? 0), 0);
}

/** resident memory of each process of the tree, MiB, root first */
export function rssMiB(root: number): number[] {
  return tree(root).map((pid) => {
    try {
      const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
      return Number(kb ?? 0) / 1024;
    } catch {
      return 0;
    }
  });
}

/** bytes the files under `dir` occupy */
export function diskBytes(dir: string): number {
  let sum = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) sum += diskBytes(path);
    else if (entry.isFile()) sum += statSync(path).blocks * 512;
  }
  return sum;
}
