/** Data shared by several suites: one series of every column type, with nulls and extremes. */
import type { QTable } from "../../../qipc/src/types.js";
import { INF, NULL, q } from "../../../qipc/src/values.js";
import { at, NS, NULL_TIME } from "./time.js";
import { strings } from "./values.js";

/** A tag, then one field of each type letter (docs/q-api.md §2). */
export const ALL_TYPES = "tag:s* pv:p bv:b iv:i jv:j ev:e fv:f sv:s cv:C nv:n";

const T0 = at("2024-01-01T00:00:00Z");

/**
 * Four rows in time order: ordinary values; every null; the extremes (pre-2000 times, ±0W longs
 * and ints, infinities, UTF-8 text); one-character and empty strings.
 */
export function allTypesRows(): QTable {
  return q.table({
    time: q.timestamps([
      at("1999-12-31T23:59:59.999999999Z"),
      T0 + NS,
      T0 + 2n * NS,
      T0 + 86_400_000_000_001n,
    ]),
    tag: q.symbols(["a", "b", "a", ""]),
    pv: q.timestamps([T0 + NS, NULL_TIME, at("1970-01-01T00:00:00Z") - NS, 0n]),
    bv: q.booleans([true, false, true, false]),
    iv: q.ints([1, NULL.int, -INF.int, INF.int]),
    jv: q.longs([INF.long, NULL.long, -INF.long, 0n]),
    ev: q.reals([1.5, Number.NaN, Number.NEGATIVE_INFINITY, 3.25]),
    fv: q.floats([0.25, Number.NaN, 1e300, Number.POSITIVE_INFINITY]),
    sv: q.symbols(["apple", "", "héllo", "Zebra"]),
    cv: strings(["alpha", "", "héllo wörld", "x"]),
    nv: q.timespans([NS, NULL.long, -NS, 86_400_000_000_000n * 400n]),
  });
}
