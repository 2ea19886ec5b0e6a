/**
 * Runs the statements of one /query request in order, each into its InfluxDB result: series, or
 * the statement's error (InfluxDB answers those inside HTTP 200, and later statements still run).
 * Authorization and outage errors are not a statement's: they propagate and answer the request.
 */
import type { InfluxReader } from "./engine-reader.js";
import type { InfluxSeries, StatementResult } from "./influx-json.js";
import type { ParsedStatement } from "./parser.js";
import { executeSelect } from "./select-executor.js";
import {
  showDatabases,
  showFieldKeys,
  showMeasurements,
  showRetentionPolicies,
  showTagKeys,
  showTagValues,
} from "./show-executor.js";
import { StatementError } from "./statement-error.js";

export interface ExecuteOptions {
  reader: InfluxReader;
  db: string | undefined;
  epoch: string | undefined;
  /** the query's now(), in ns since 1970 */
  now: bigint;
}

async function run(statement: ParsedStatement, o: ExecuteOptions): Promise<InfluxSeries[]> {
  switch (statement.kind) {
    case "select":
      return executeSelect(statement, o);
    case "show-databases":
      return showDatabases(o.reader);
    case "show-retention-policies":
      return showRetentionPolicies();
    case "show-measurements":
      return showMeasurements(statement, o.reader, o.db);
    case "show-tag-keys":
      return showTagKeys(statement, o.reader, o.db);
    case "show-tag-values":
      return showTagValues(statement, o.reader, o.db, o.now);
    case "show-field-keys":
      return showFieldKeys(statement, o.reader, o.db);
    case "unsupported":
      throw new StatementError(
        `guru-api does not run ${statement.what} statements through /query: manage databases, series and tokens with the REST API (/v1)`,
      );
  }
}

/** One result per statement, as InfluxDB numbers them. */
export async function* executeStatements(
  statements: ParsedStatement[],
  o: ExecuteOptions,
): AsyncGenerator<StatementResult> {
  for (const [i, statement] of statements.entries()) {
    try {
      yield { statement_id: i, series: await run(statement, o) };
    } catch (err) {
      if (err instanceof StatementError) yield { statement_id: i, error: err.message };
      else if (err instanceof SyntaxError)
        yield { statement_id: i, error: `invalid regular expression: ${err.message}` };
      else throw err;
    }
  }
}
