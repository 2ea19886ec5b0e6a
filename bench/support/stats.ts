/** Order statistics of measured samples. */

/** the p-quantile (0 < p <= 1) by the nearest-rank method */
export function at(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] as number;
}

/** median with min and max */
export function spread(xs: number[]) {
  return { median: at(xs, 0.5), min: Math.min(...xs), max: Math.max(...xs) };
}
