/**
 * InfluxQL for InfluxDB's clients (Grafana, the `influx` CLI, client libraries): `/query`,
 * `/health` and InfluxDB's ways of sending credentials. docs/influxql.md describes what is answered.
 */
export { influxqlRoutes } from "./influxql-routes.js";
export { InfluxQLSyntaxError, type ParsedStatement, parseQuery } from "./parser.js";
