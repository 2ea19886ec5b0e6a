/**
 * fast-check arbitraries from the JSON schemas of an OpenAPI 3.1 document: values valid by a
 * schema (checked with ajv, so `not`, `uniqueItems` and the like hold), and mutants of a valid
 * value that the schema refuses (a missing required member, an unknown one, a wrong type, a
 * bound or pattern violated, one level deep or nested), each named by what was changed.
 *
 * `hints` give values worth trying for a property or parameter name (fixture ids, column names,
 * expressions the server understands): a schema with a hinted name draws from the hints four
 * times as often as from the schema, so generated requests reach past "not found" into the handlers.
 */
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import fc from "fast-check";

// ajv-formats is CommonJS with a default export
const addFormats = addFormatsModule.default;

export type Schema = Record<string, unknown>;
export type Hints = Record<string, fc.Arbitrary<unknown>>;
export interface Mutant {
  value: unknown;
  /** what was changed, for failure messages */
  change: string;
}

const BASE = "urn:tsg:fuzz";
const MAX_LENGTH = 80; // generated strings and arrays stay small unless a minimum says otherwise

export class SchemaArbitraries {
  readonly #ajv: Ajv2020;
  readonly #components: Record<string, Schema>;
  readonly #compiled = new Map<string, ReturnType<Ajv2020["compile"]>>();

  constructor(document: Schema) {
    this.#components = ((document.components as Schema | undefined)?.schemas ?? {}) as Record<string, Schema>;
    this.#ajv = new Ajv2020({ strict: false, allErrors: false });
    addFormats(this.#ajv);
    this.#ajv.addSchema({ $id: BASE, components: document.components }, BASE);
  }

  /** whether `value` is valid by `schema` */
  valid(schema: Schema, value: unknown): boolean {
    const key = JSON.stringify(schema);
    let validate = this.#compiled.get(key);
    if (validate === undefined) {
      validate = this.#ajv.compile(JSON.parse(key.replaceAll('"#/components/', `"${BASE}#/components/`)));
      this.#compiled.set(key, validate);
    }
    return validate(value) as boolean;
  }

  #resolve(schema: Schema): Schema {
    const ref = schema.$ref;
    if (typeof ref !== "string") return schema;
    const name = ref.split("/").pop() as string;
    return this.#resolve(this.#components[name] ?? {});
  }

  /** values valid by `schema`; `name` is the property or parameter it is for (hints) */
  valid$(schema: Schema, hints: Hints = {}, name?: string): fc.Arbitrary<unknown> {
    const raw = this.#raw(this.#resolve(schema), hints, name);
    const hinted = name !== undefined ? hints[name] : undefined;
    const arb =
      hinted === undefined ? raw : fc.oneof({ weight: 4, arbitrary: hinted }, { weight: 1, arbitrary: raw });
    return arb.filter((v) => this.valid(schema, v));
  }

  #raw(s: Schema, hints: Hints, name: string | undefined): fc.Arbitrary<unknown> {
    if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
    if ("const" in s) return fc.constant(s.const);
    const anyOf = (s.anyOf ?? s.oneOf) as Schema[] | undefined;
    if (anyOf !== undefined) return fc.oneof(...anyOf.map((branch) => this.valid$(branch, hints, name)));
    const type = s.type;
    if (Array.isArray(type))
      return fc.oneof(...type.map((t) => this.#raw({ ...s, type: t as string }, hints, name)));
    switch (type) {
      case "string":
        return this.#string(s);
      case "integer":
        return fc.integer({
          min: Math.max(Number(s.minimum ?? -1e9), Number.MIN_SAFE_INTEGER),
          max: Math.min(Number(s.maximum ?? 1e9), Number.MAX_SAFE_INTEGER),
        });
      case "number":
        return fc.oneof(
          fc.integer({ min: -1e6, max: 1e6 }),
          fc.double({
            noNaN: true,
            noDefaultInfinity: true,
            min: s.minimum as number | undefined,
            max: s.maximum as number | undefined,
          }),
        );
      case "boolean":
        return fc.boolean();
      case "null":
        return fc.constant(null);
      case "array": {
        const items = (s.items as Schema | undefined) ?? {};
        return fc.array(this.valid$(items, hints, name), {
          minLength: Number(s.minItems ?? 0),
          maxLength: Math.min(Number(s.maxItems ?? 8), Math.max(8, Number(s.minItems ?? 0))),
        });
      }
      case "object":
        return this.#object(s, hints);
      default:
        // no type: any JSON
        return fc.jsonValue({ maxDepth: 2 });
    }
  }

  #string(s: Schema): fc.Arbitrary<string> {
    const min = Number(s.minLength ?? 0);
    const max = Number(s.maxLength ?? MAX_LENGTH);
    if (s.format === "date-time")
      return fc
        .date({
          min: new Date("1970-01-01T00:00:00Z"),
          max: new Date("2100-01-01T00:00:00Z"),
          noInvalidDate: true,
        })
        .map((d) => d.toISOString());
    if (typeof s.pattern === "string") {
      // a single class repeated (`^[a-z]+$`) takes the length bounds into the pattern
      const single = /^\^(\[[^\]]+\])[+*]\$$/.exec(s.pattern);
      const pattern = single
        ? `^${single[1]}{${Math.max(min, 1)},${Math.min(max, MAX_LENGTH * 4)}}$`
        : s.pattern;
      return fc.stringMatching(new RegExp(pattern)).filter((v) => v.length >= min && v.length <= max);
    }
    return fc.string({
      minLength: min,
      maxLength: Math.min(max, Math.max(min, MAX_LENGTH)),
      unit: "grapheme",
    });
  }

  #object(s: Schema, hints: Hints): fc.Arbitrary<Record<string, unknown>> {
    const properties = (s.properties ?? {}) as Record<string, Schema>;
    const required = (s.required ?? []) as string[];
    const names = Object.keys(properties);
    const extra = s.additionalProperties;
    const record = fc.record(
      Object.fromEntries(names.map((n) => [n, this.valid$(properties[n] as Schema, hints, n)])),
      { requiredKeys: required.filter((r) => names.includes(r)) },
    ) as fc.Arbitrary<Record<string, unknown>>;
    // one object in three has only its required members: optional ones each may refuse the request
    const bare = fc.record(
      Object.fromEntries(
        required
          .filter((r) => names.includes(r))
          .map((n) => [n, this.valid$(properties[n] as Schema, hints, n)]),
      ),
    ) as fc.Arbitrary<Record<string, unknown>>;
    if (extra === undefined || extra === false)
      return fc.oneof({ weight: 2, arbitrary: record }, { weight: 1, arbitrary: bare });
    // a map: keys by propertyNames (or hinted column names), values by additionalProperties
    const keys = fc.oneof(
      (hints.$key as fc.Arbitrary<string> | undefined) ?? fc.string({ minLength: 1, maxLength: 12 }),
      fc.string({ maxLength: 12 }),
    );
    const value =
      extra === true ? fc.jsonValue({ maxDepth: 1 }) : this.valid$(extra as Schema, hints, "$value");
    return fc
      .tuple(record, fc.dictionary(keys, value, { maxKeys: 8 }))
      .map(([fixed, more]) => ({ ...more, ...fixed }));
  }

  /** values that `schema` refuses, derived from valid ones */
  invalid$(schema: Schema, hints: Hints = {}, name?: string): fc.Arbitrary<Mutant> {
    return fc
      .tuple(this.valid$(schema, hints, name), fc.infiniteStream(fc.nat()))
      .map(([value, choices]) => this.#mutate(this.#resolve(schema), value, choices[Symbol.iterator](), "$"))
      .filter((m) => !this.valid(schema, m.value));
  }

  #mutate(s: Schema, value: unknown, pick: Iterator<number>, at: string): Mutant {
    const choose = <T>(options: T[]): T => options[(pick.next().value as number) % options.length] as T;
    const wrongType: Mutant[] = [
      { value: 12345, change: `${at}: a number` },
      { value: "text", change: `${at}: a string` },
      { value: null, change: `${at}: null` },
      { value: [value], change: `${at}: in an array` },
      { value: { value }, change: `${at}: in an object` },
      { value: true, change: `${at}: a boolean` },
    ];
    const anyOf = (s.anyOf ?? s.oneOf) as Schema[] | undefined;
    if (anyOf !== undefined) {
      const branch = anyOf.map((b) => this.#resolve(b)).find((b) => this.valid(b, value));
      if (branch !== undefined && pick.next().value % 2 === 0) return this.#mutate(branch, value, pick, at);
      return choose(wrongType);
    }
    const options: Mutant[] = [...wrongType];
    if (Array.isArray(s.enum))
      options.push(
        { value: `${String(s.enum[0])}x`, change: `${at}: not in the enum` },
        { value: String(s.enum[0]).toUpperCase(), change: `${at}: upper case` },
      );
    if (typeof value === "string") {
      if (s.maxLength !== undefined)
        options.push({ value: value.padEnd(Number(s.maxLength) + 1, "a"), change: `${at}: maxLength + 1` });
      if (Number(s.minLength ?? 0) > 0)
        options.push({ value: value.slice(0, Number(s.minLength) - 1), change: `${at}: minLength - 1` });
      if (s.pattern !== undefined || s.format !== undefined)
        options.push(
          { value: `${value}!`, change: `${at}: pattern (a ! appended)` },
          { value: ` ${value}`, change: `${at}: pattern (a leading space)` },
          { value: `${value}\u0000`, change: `${at}: pattern (a NUL appended)` },
          { value: `${value}é`, change: `${at}: pattern (a non-ASCII letter)` },
          { value: "", change: `${at}: empty` },
        );
    }
    if (typeof value === "number") {
      if (s.minimum !== undefined)
        options.push({ value: Number(s.minimum) - 1, change: `${at}: minimum - 1` });
      if (s.maximum !== undefined)
        options.push({ value: Number(s.maximum) + 1, change: `${at}: maximum + 1` });
      if (s.type === "integer")
        options.push(
          { value: value + 0.5, change: `${at}: not an integer` },
          { value: String(value), change: `${at}: a string of digits` },
        );
    }
    if (Array.isArray(value)) {
      const items = this.#resolve((s.items as Schema | undefined) ?? {});
      if (s.maxItems !== undefined && Number(s.maxItems) < 300)
        options.push({
          value: [...value, ...Array(Number(s.maxItems) + 1 - value.length).fill(value[0] ?? "x")],
          change: `${at}: maxItems + 1`,
        });
      if (Number(s.minItems ?? 0) > 0) options.push({ value: [], change: `${at}: minItems - 1` });
      if (s.uniqueItems === true && value.length > 0)
        options.push({ value: [...value, value[0]], change: `${at}: a duplicate item` });
      if (value.length > 0) {
        const i = (pick.next().value as number) % value.length;
        const inner = this.#mutate(items, value[i], pick, `${at}[${i}]`);
        options.push({ value: value.map((v, j) => (j === i ? inner.value : v)), change: inner.change });
      }
    }
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      const object = value as Record<string, unknown>;
      const properties = (s.properties ?? {}) as Record<string, Schema>;
      for (const r of (s.required ?? []) as string[])
        if (r in object) {
          const { [r]: _, ...rest } = object;
          options.push({ value: rest, change: `${at}: required ${r} left out` });
        }
      if (s.additionalProperties === false)
        options.push({ value: { ...object, bogus: 1 }, change: `${at}: an unknown member` });
      if (s.minProperties !== undefined) options.push({ value: {}, change: `${at}: no members` });
      const present = Object.keys(object).filter((k) => k in properties);
      // nested mutations weigh as much as all the others together
      const others = options.length;
      for (let n = 0; n < others && present.length > 0; n++) {
        const key = present[(pick.next().value as number) % present.length] as string;
        const inner = this.#mutate(
          this.#resolve(properties[key] as Schema),
          object[key],
          pick,
          `${at}.${key}`,
        );
        options.push({ value: { ...object, [key]: inner.value }, change: inner.change });
      }
    }
    return choose(options);
  }
}
