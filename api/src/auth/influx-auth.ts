/**
 * Credentials as InfluxDB clients send them, read as a guru-api token: `Authorization: Token`
 * or `Bearer` (unchanged), `Basic` base64(user:password) and the `u`/`p` query parameters, in
 * both of which the password is the token and the user name is ignored. The token in `p` is
 * removed from URLs that are logged.
 */
import type { Request } from "express";

/** The Authorization header the token service reads for this request. */
export function influxAuthorization(req: Request): string | undefined {
  const header = req.headers.authorization;
  if (header !== undefined && header.trim() !== "") {
    const basic = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header);
    if (basic === null) return header;
    const decoded = Buffer.from(basic[1]!, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    return `Token ${colon < 0 ? decoded : decoded.slice(colon + 1)}`;
  }
  const p = req.query.p;
  return typeof p === "string" && p !== "" ? `Token ${p}` : header;
}

/** A URL with the value of a `p` parameter replaced (request logs, problem instances). */
export function redactUrl(url: string): string {
  return url.replace(/([?&]p=)[^&#]*/g, "$1[redacted]");
}
