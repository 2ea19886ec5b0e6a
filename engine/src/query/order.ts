/**
 * Row order of aggregated results: by bucket time (`order`), then by the `by` columns ascending by
 * symbol text. Ids are compared through the symbol list's lexical ranks, so no strings are
 * compared per row.
 */
import { identity } from "./columns.js";

export interface SortKeys {
  /** bucket starts, or null when not bucketed */
  time: BigInt64Array | null;
  descending: boolean;
  /** symbol id columns of `by`, in order */
  groups: readonly Int32Array[];
  ranks: Int32Array;
}

export function sortedIndex(keys: SortKeys, rows: number): Int32Array {
  const { time, groups, ranks } = keys;
  const sign = keys.descending ? -1 : 1;
  const index = identity(rows);
  index.sort((a, b) => {
    if (time !== null) {
      const ta = time[a] as bigint;
      const tb = time[b] as bigint;
      if (ta !== tb) return ta < tb ? -sign : sign;
    }
    for (const ids of groups) {
      const d = (ranks[ids[a] as number] as number) - (ranks[ids[b] as number] as number);
      if (d !== 0) return d;
    }
    return 0;
  });
  return index;
}
