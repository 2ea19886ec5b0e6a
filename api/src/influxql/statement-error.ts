/**
 * An error of one statement: InfluxDB answers it inside the statement's result
 * (`{"statement_id": 0, "error": "..."}`, HTTP 200) while the other statements still run.
 */
export class StatementError extends Error {}

/** Text in code-unit order (InfluxDB sorts names and tag sets by their bytes). */
export function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
