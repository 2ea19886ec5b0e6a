/**
 * collectd's write_http JSON (`Format "JSON"`) as line protocol, so that it is written, created
 * and refused exactly as line protocol is. Each value list becomes one line of the series
 * `<plugin>_<type>` (`<plugin>` alone when both are equal, as cpu/cpu, load/load, memory/memory):
 * collectd's types.db fixes a type's data sources, so one series never sees two schemas. The
 * tags are host, plugin, plugin_instance, type and type_instance; each data source is a field:
 * gauge → float, derive → integer, counter and absolute → unsigned (both `long` columns).
 *
 * collectd writes counters and derives as 64-bit integers that a double does not hold, so the
 * numbers are read from the body's text, never through JSON.parse's doubles.
 */
import { NAME_PATTERN } from "../../../q-api/src/index.js";
import type { FieldKind } from "./line-protocol.js";
import type { LineRejection, SeriesProposal } from "./line-protocol-batch.js";
import type { CollectdValueList } from "./points-schemas.js";

export const COLLECTD_TAGS = ["host", "plugin", "plugin_instance", "type", "type_instance"] as const;

const KINDS: Record<CollectdValueList["dstypes"][number], { kind: FieldKind; suffix: string }> = {
  gauge: { kind: "float", suffix: "" },
  derive: { kind: "integer", suffix: "i" },
  counter: { kind: "unsigned", suffix: "u" },
  absolute: { kind: "unsigned", suffix: "u" },
};

/** A JSON number of the body, as its text. */
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** The JSON text with every number turned into a string of its digits (the text must be valid JSON). */
export function numbersAsText(json: string): string {
  let out = "";
  let from = 0;
  for (let i = 0; i < json.length; ) {
    const c = json.charCodeAt(i);
    if (c === 0x22) {
      for (i++; i < json.length && json.charCodeAt(i) !== 0x22; ) i += json.charCodeAt(i) === 0x5c ? 2 : 1;
      i++;
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      NUMBER.lastIndex = i;
      const digits = (NUMBER.exec(json) as RegExpExecArray)[0];
      out += `${json.slice(from, i)}"${digits}"`;
      i += digits.length;
      from = i;
    } else i++;
  }
  return out + json.slice(from);
}

export interface CollectdLines {
  /** line protocol, nanosecond timestamps */
  body: Buffer;
  /** the 1-based position, in the body's array, of the value list of each line */
  positions: number[];
  /** value lists refused before any line was made (their position and why) */
  refused: LineRejection[];
  /** the series the lines name, as a write that may create series makes them */
  series: Map<string, SeriesProposal>;
}

/** Seconds with decimals (collectd writes milliseconds) → nanoseconds, exactly. */
function nanoseconds(seconds: string): bigint {
  const m = /^(\d+)(?:\.(\d{1,9}))?$/.exec(seconds);
  if (m === null) throw new Error(`time ${seconds} is not seconds with at most 9 decimals`);
  return BigInt(m[1] as string) * 1_000_000_000n + BigInt((m[2] ?? "").padEnd(9, "0"));
}

/** A tag value escaped for line protocol; line breaks cannot be. */
function tagValue(value: string): string {
  if (/[\n\r]/.test(value)) throw new Error("a name holds a line break");
  return value.replace(/[\\, =]/g, "\\$&");
}

function validName(name: string, what: string): string {
  if (!NAME_PATTERN.test(name))
    throw new Error(`${what} ${JSON.stringify(name)} is not a letter, then letters, digits or _`);
  return name;
}

/** The series a value list goes to. */
export function collectdSeriesName(list: Pick<CollectdValueList, "plugin" | "type">): string {
  return list.plugin === list.type ? list.plugin : `${list.plugin}_${list.type}`;
}

/** One value list's line, or undefined when every value is unknown (a gauge's NaN is null). */
function line(list: CollectdValueList, values: readonly (string | null)[], time: string): string | undefined {
  const n = list.values.length;
  if (list.dstypes.length !== n || list.dsnames.length !== n)
    throw new Error(`${n} values, ${list.dstypes.length} dstypes and ${list.dsnames.length} dsnames`);
  const series = validName(collectdSeriesName(list), "series");
  const tags = COLLECTD_TAGS.filter((t) => list[t] !== "").map((t) => `,${t}=${tagValue(list[t])}`);
  const fields: string[] = [];
  list.dsnames.forEach((name, i) => {
    const type = list.dstypes[i] as CollectdValueList["dstypes"][number];
    const value = values[i];
    if (value === null || value === undefined) {
      if (type !== "gauge") throw new Error(`${name}: a ${type} value cannot be null`);
      return;
    }
    fields.push(`${validName(name, "dsname")}=${value}${KINDS[type].suffix}`);
  });
  if (fields.length === 0) return undefined;
  return `${series}${tags.join("")} ${fields.join(",")} ${nanoseconds(time)}`;
}

/**
 * The value lists (validated) as line protocol; `exact` is the same body parsed from
 * `numbersAsText`, where each number is its text.
 */
export function collectdLines(lists: readonly CollectdValueList[], exact: unknown): CollectdLines {
  const texts = exact as { values: (string | null)[]; time: string }[];
  const out: string[] = [];
  const positions: number[] = [];
  const refused: LineRejection[] = [];
  const series = new Map<string, SeriesProposal>();
  lists.forEach((list, i) => {
    const text = texts[i] as (typeof texts)[number];
    try {
      const made = line(list, text.values, text.time);
      if (made === undefined) return;
      out.push(made);
      positions.push(i + 1);
      const name = collectdSeriesName(list);
      if (!series.has(name))
        series.set(name, {
          tags: [...COLLECTD_TAGS],
          fields: new Map(list.dsnames.map((d, j) => [d, KINDS[list.dstypes[j]!].kind])),
        });
    } catch (err) {
      refused.push({ line: i + 1, reason: (err as Error).message });
    }
  });
  return { body: Buffer.from(out.length === 0 ? "" : `${out.join("\n")}\n`), positions, refused, series };
}
