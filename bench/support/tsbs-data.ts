/**
 * TSBS's cpu-only shape as line protocol: hosts tagged `hostname` and `region`, ten float fields
 * as random walks in [0, 100] with six decimals, one line per host every step; deterministic, so
 * every run and every server gets the same data.
 */

export const MEASUREMENT = "cpu";
export const FIELD = "usage_user";
export const FIELDS = [
  FIELD,
  "usage_system",
  "usage_idle",
  "usage_nice",
  "usage_iowait",
  "usage_irq",
  "usage_softirq",
  "usage_steal",
  "usage_guest",
  "usage_guest_nice",
];
const BATCH_LINES = 5_000;

export interface Shape {
  lines: number;
  hosts: number;
  startMs: number;
  stepS: number;
}

/** a small deterministic generator (mulberry32): the same data on every run */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 5,000-line bodies; line i is host i % hosts (`host_<n>`) at step i / hosts */
export function bodies({ lines: total, hosts, startMs, stepS }: Shape): Buffer[] {
  const next = random(42);
  const walk = Array.from({ length: hosts }, () => FIELDS.map(() => next() * 100));
  const out: Buffer[] = [];
  for (let first = 0; first < total; first += BATCH_LINES) {
    const lines: string[] = [];
    for (let i = first; i < Math.min(total, first + BATCH_LINES); i++) {
      const host = i % hosts;
      const values = walk[host] as number[];
      const fields = FIELDS.map((f, k) => {
        values[k] = Math.min(100, Math.max(0, (values[k] as number) + (next() - 0.5) * 2));
        return `${f}=${Math.round((values[k] as number) * 1e6) / 1e6}`;
      });
      const ns = (BigInt(startMs) + BigInt(Math.floor(i / hosts) * stepS * 1000)) * 1_000_000n;
      lines.push(`${MEASUREMENT},hostname=host_${host},region=region_${host % 5} ${fields.join(",")} ${ns}`);
    }
    out.push(Buffer.from(`${lines.join("\n")}\n`));
  }
  return out;
}
