/** The root logger; modules get children, never make their own (anchors §4.6). */
import { type Logger, pino } from "pino";
import type { ApiConfig } from "./config.js";

export function createLogger(config: Pick<ApiConfig, "logLevel" | "instanceId">): Logger {
  return pino({
    level: config.logLevel,
    base: { service: "guru-api", instance: config.instanceId },
    redact: {
      paths: ["req.headers.authorization", "*.authorization", "*.password", "*.token", "*.secret", "*.hash"],
      censor: "[redacted]",
    },
  });
}
