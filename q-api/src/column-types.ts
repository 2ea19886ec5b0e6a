/**
 * The column types of the guru q API (docs/q-api.md §2): each type letter with the name the REST
 * API gives it, its q type codes and the value its q null has in a vector of that type.
 */
import { INT_NULL, LONG_NULL } from "../../qipc/src/index.js";

export interface QColumnType {
  /** the type's name in the REST API (and q's own name for it) */
  name: string;
  /** q vector type code of a column of this type; 0 (general list of char vectors) for `C` */
  vector: number;
  /** q atom type code of one value; 10 (a char vector) for `C` */
  atom: number;
  /** the q null as held in a vector of this type: `0b` for booleans (q has none), `""` for `C` */
  null: number | bigint | string;
}

// in the REST API's order, which its OpenAPI enum keeps
export const COLUMN_TYPES = {
  f: { name: "float", vector: 9, atom: -9, null: Number.NaN },
  e: { name: "real", vector: 8, atom: -8, null: Number.NaN },
  j: { name: "long", vector: 7, atom: -7, null: LONG_NULL },
  i: { name: "int", vector: 6, atom: -6, null: INT_NULL },
  b: { name: "boolean", vector: 1, atom: -1, null: 0 },
  C: { name: "string", vector: 0, atom: 10, null: "" },
  s: { name: "symbol", vector: 11, atom: -11, null: "" },
  p: { name: "timestamp", vector: 12, atom: -12, null: LONG_NULL },
  n: { name: "timespan", vector: 16, atom: -16, null: LONG_NULL },
} as const satisfies Record<string, QColumnType>;

export type TypeLetter = keyof typeof COLUMN_TYPES;
export type TypeName = (typeof COLUMN_TYPES)[TypeLetter]["name"];

export const TYPE_LETTERS = Object.keys(COLUMN_TYPES) as [TypeLetter, ...TypeLetter[]];
export const TYPE_NAMES = TYPE_LETTERS.map((l) => COLUMN_TYPES[l].name) as [TypeName, ...TypeName[]];

/** The letter of each REST type name. */
export const LETTER_OF = Object.fromEntries(TYPE_LETTERS.map((l) => [COLUMN_TYPES[l].name, l])) as Readonly<
  Record<TypeName, TypeLetter>
>;

export function isTypeLetter(value: string): value is TypeLetter {
  return Object.hasOwn(COLUMN_TYPES, value);
}
