/** The logging interface the library accepts: pino's shape, so a pino logger fits as it is. */
export interface QLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

const ignore = (): void => {};

/** The default: library code logs nothing unless the caller hands it a logger. */
export const silentLogger: QLogger = { debug: ignore, info: ignore, warn: ignore, error: ignore };
