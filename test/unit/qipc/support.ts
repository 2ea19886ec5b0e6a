import { createRequire } from "node:module";
import fc from "fast-check";
import { encodeValue, type QValue, type QVector } from "../../../qipc/src/index.js";

/** node-q's codec (CommonJS), used as an independent oracle. */
export const nodeq = createRequire(import.meta.url)("node-q/lib/c.js") as {
  serialize(x: unknown): Buffer;
  deserialize(
    b: Buffer,
    nanos2date?: boolean,
    flipTables?: boolean,
    emptyChar2null?: boolean,
    long2number?: boolean,
  ): unknown;
};
export const nodeqTyped = createRequire(import.meta.url)("node-q") as Record<string, (x: unknown) => unknown>;
export const Long = createRequire(import.meta.url)("long") as {
  fromBits(lo: number, hi: number): unknown;
  fromString(s: string): { toString(): string };
};

/** Hex with spaces and case ignored, as the reference writes it. */
export function hex(text: string): Buffer {
  return Buffer.from(text.replace(/\s+/g, ""), "hex");
}

/** A whole little-endian message around `body`; node-q and the reference give bodies and headers this way. */
export function message(body: Buffer, msgType = 0, compressed = 0): Buffer {
  const m = Buffer.concat([Buffer.from([1, msgType, compressed, 0, 0, 0, 0, 0]), body]);
  m.writeInt32LE(m.length, 4);
  return m;
}

const int32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });
const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
const text = fc.oneof(fc.string(), fc.string({ unit: "grapheme" })).filter((s) => !s.includes("\0"));
const guid = fc.oneof(fc.uuid(), fc.constant("00000000-0000-0000-0000-000000000000"));
const attr = fc.constantFrom(0, 1, 2, 3, 4) as fc.Arbitrary<0 | 1 | 2 | 3 | 4>;
const float32 = fc.float().map(Math.fround);

const atom: fc.Arbitrary<QValue> = fc.oneof(
  fc.boolean().map((value) => ({ type: -1, value })),
  guid.map((value) => ({ type: -2, value })),
  fc.integer({ min: 0, max: 255 }).map((value) => ({ type: -4, value })),
  fc.integer({ min: -0x8000, max: 0x7fff }).map((value) => ({ type: -5, value })),
  fc
    .tuple(fc.constantFrom(-6, -13, -14, -17, -18, -19), int32)
    .map(([type, value]) => ({ type, value }) as QValue),
  fc.tuple(fc.constantFrom(-7, -12, -16), int64).map(([type, value]) => ({ type, value }) as QValue),
  float32.map((value) => ({ type: -8, value })),
  fc.tuple(fc.constantFrom(-9, -15), fc.double()).map(([type, value]) => ({ type, value }) as QValue),
  fc.integer({ min: 0, max: 255 }).map((c) => ({ type: -10, value: String.fromCharCode(c) })),
  text.map((value) => ({ type: -11, value })),
) as fc.Arbitrary<QValue>;

const vector: fc.Arbitrary<QValue> = fc.oneof(
  fc
    .tuple(attr, fc.array(fc.boolean()))
    .map(([a, v]) => ({ type: 1, attr: a, value: Uint8Array.from(v, Number) })),
  fc.tuple(attr, fc.array(guid)).map(([a, value]) => ({ type: 2, attr: a, value })),
  fc
    .tuple(fc.constantFrom(4, 10), attr, fc.uint8Array())
    .map(([type, a, value]) => ({ type, attr: a, value }) as QValue),
  fc.tuple(attr, fc.int16Array()).map(([a, value]) => ({ type: 5, attr: a, value })),
  fc
    .tuple(fc.constantFrom(6, 13, 14, 17, 18, 19), attr, fc.int32Array())
    .map(([type, a, value]) => ({ type, attr: a, value }) as QValue),
  fc
    .tuple(fc.constantFrom(7, 12, 16), attr, fc.bigInt64Array())
    .map(([type, a, value]) => ({ type, attr: a, value }) as QValue),
  fc.tuple(attr, fc.float32Array()).map(([a, value]) => ({ type: 8, attr: a, value })),
  fc
    .tuple(fc.constantFrom(9, 15), attr, fc.float64Array())
    .map(([type, a, value]) => ({ type, attr: a, value }) as QValue),
  fc.tuple(attr, fc.array(text)).map(([a, value]) => ({ type: 11, attr: a, value })),
) as fc.Arbitrary<QValue>;

/** Columns of one length, so any draw is a valid table. */
function tableOf(column: fc.Arbitrary<QValue>): fc.Arbitrary<QValue> {
  return fc
    .tuple(attr, fc.uniqueArray(text, { minLength: 1, maxLength: 4 }), fc.nat(4))
    .chain(([a, names, rows]) =>
      fc.tuple(...names.map(() => column.map((c) => resize(c, rows)))).map((data) => ({
        type: 98 as const,
        attr: a,
        columns: names,
        data,
      })),
    );
}

/** Truncates or pads a vector to `n` items by repeating it; non-vectors become long vectors. */
function resize(v: QValue, n: number): QValue {
  if (v.type <= 0 || v.type >= 20 || (v as QVector).value.length === 0) {
    return { type: 7, attr: 0, value: new BigInt64Array(n) };
  }
  const src = (v as QVector).value as unknown as ArrayLike<unknown> & {
    constructor: new (n: number) => unknown;
  };
  const out = (Array.isArray(src) ? new Array(n) : new src.constructor(n)) as unknown[];
  for (let i = 0; i < n; i++) out[i] = src[i % src.length];
  return { ...v, attr: 0, value: out } as QValue;
}

export const qvalue: fc.Arbitrary<QValue> = fc.letrec<{ value: QValue }>((tie) => {
  const value = tie("value");
  return {
    value: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      atom,
      vector,
      fc
        .tuple(attr, fc.array(value, { maxLength: 4 }))
        .map(([a, items]) => ({ type: 0, attr: a, value: items })),
      fc
        .tuple(fc.constantFrom(99, 127), value, value)
        .map(([type, keys, values]) => ({ type, keys, values }) as QValue),
      tableOf(vector),
      fc.tuple(tableOf(vector), tableOf(vector)).map(([keys, values]) => ({ type: 99, keys, values })),
      text.map((value) => ({ type: -128, value })),
      functionValue(value),
    ) as fc.Arbitrary<QValue>,
  };
}).value;

/** Opaque functions whose raw bytes are well formed, built from encoded sub-values. */
function functionValue(value: fc.Arbitrary<QValue>): fc.Arbitrary<QValue> {
  const raw = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));
  const count = (n: number) => Buffer.from(Int32Array.of(n).buffer);
  return fc.oneof(
    fc
      .tuple(fc.constantFrom(101, 102, 103), fc.nat(255))
      .map(([type, b]) => ({ type, raw: Uint8Array.of(b) }) as QValue),
    fc.tuple(fc.constantFrom("", "d", "util"), fc.string()).map(([ctx, src]) => ({
      type: 100,
      raw: raw(Buffer.from(`${ctx}\0`), encodeValue({ type: 10, attr: 0, value: Buffer.from(src) })),
    })),
    fc
      .tuple(fc.constantFrom(104, 105), fc.array(value, { minLength: 1, maxLength: 3 }))
      .map(([type, parts]) => ({ type, raw: raw(count(parts.length), ...parts.map(encodeValue)) }) as QValue),
    fc
      .tuple(fc.integer({ min: 106, max: 111 }), value)
      .map(([type, f]) => ({ type, raw: raw(encodeValue(f)) }) as QValue),
  ) as fc.Arbitrary<QValue>;
}
