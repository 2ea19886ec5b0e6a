/**
 * One guru-engine: the guru q API over q IPC on a DuckDB store, plus the HTTP side port. Used by
 * `main.ts` and, in process, by the API's local provisioner.
 */
import { type Logger, pino } from "pino";
import { qFail } from "../../q-api/src/index.js";
import { createQServer, type QRequestContext, type QValue } from "../../qipc/src/index.js";
import { createHandler } from "./api/dispatch.js";
import type { ApiEnv } from "./api/env.js";
import { describeConfig, type EngineConfig } from "./config.js";
import { loadAuthenticator } from "./credentials.js";
import { startSidePort } from "./http-server.js";
import { createMetrics } from "./metrics.js";
import type { Clock } from "./store/retention.js";
import { Snapshots } from "./store/snapshots.js";
import { Store } from "./store/store.js";

export interface Engine {
  /** q IPC port */
  port: number;
  httpPort: number;
  /** Graceful stop: refuse new calls, finish in-flight ones (writes included), checkpoint, close. */
  close(): Promise<void>;
}

export interface EngineOptions {
  /** now, in q nanoseconds: retention's cutoff (tests inject one) */
  clock?: Clock;
}

export async function startEngine(
  config: EngineConfig,
  logger: Logger = pino({ level: config.logLevel }),
  options: EngineOptions = {},
): Promise<Engine> {
  const authenticate = loadAuthenticator(config);
  if (config.allowAnonymous) logger.warn({}, "GURU_ALLOW_ANONYMOUS: every login is accepted");
  const store = await Store.open(
    {
      segments: config.segments,
      memoryLimitMb: config.memoryLimitMb,
      threads: config.threads,
      checkpointMb: config.checkpointMb,
      readConnections: config.readConnections,
      retentionDays: config.retentionDays,
      clock: options.clock,
    },
    logger,
  );
  const snapshots = new Snapshots(config.segments[0] as string);
  await snapshots.clear();
  const lifecycle = startLifecycleTimer(store, snapshots, config, logger);
  const metrics = createMetrics(config.segments, () => store.segmentBytes());
  const env: ApiEnv = {
    store,
    snapshots,
    maxRows: config.maxRows,
    startedAt: process.hrtime.bigint(),
    segmentPaths: config.segments,
    written: (rows) => metrics.rowsWritten.inc(rows),
  };
  const handle = createHandler(env, (name, outcome, seconds) => {
    metrics.requests.inc({ function: name, outcome });
    metrics.duration.observe({ function: name }, seconds);
  });

  let draining = false;
  const inFlight = new Set<Promise<unknown>>();
  const server = createQServer({
    authenticate: (user, password) => authenticate(user, password),
    handle: (value: QValue, ctx: QRequestContext) => {
      if (draining) throw qFail("stop");
      const work = handle(value, ctx);
      inFlight.add(work);
      void work.finally(() => inFlight.delete(work)).catch(() => {});
      return work;
    },
    requestTimeoutMs: config.queryTimeoutMs,
    maxMessageBytes: config.maxMessageBytes,
    compression: config.compression,
    logger,
  });
  const { port } = await server.listen(config.port, config.host);
  const side = await startSidePort(config.httpHost, config.httpPort, metrics.registry, () => !draining);
  logger.info({ config: describeConfig(config), port, httpPort: side.port }, "guru-engine listening");

  let closing: Promise<void> | undefined;
  const close = async () => {
    draining = true;
    await lifecycle.stop();
    await settled([...inFlight], config.shutdownGraceMs);
    await server.close();
    await side.close();
    await store.close();
    await snapshots.clear().catch(() => undefined);
    logger.info({}, "guru-engine stopped");
  };
  return {
    port,
    httpPort: side.port,
    close: () => {
      closing ??= close();
      return closing;
    },
  };
}

/**
 * The engine's background work: expired rows and forgotten snapshots deleted every
 * `retentionIntervalMs` (and once at start); segments checkpointed after a pause in writes.
 */
function startLifecycleTimer(
  store: Store,
  snapshots: Snapshots,
  config: EngineConfig,
  logger: Logger,
): { stop(): Promise<void> } {
  const retention = repeat(config.retentionIntervalMs, true, async () => {
    try {
      const run = await store.enforceRetention();
      if (run !== null && run.dropped > 0n)
        logger.info({ cutoff: String(run.cutoff), dropped: String(run.dropped) }, "expired rows dropped");
      await snapshots.expire(config.snapshotMaxAgeMs);
    } catch (err) {
      logger.warn({ err }, "retention run failed; retried at the next interval");
    }
  });
  const minWalBytes = (config.checkpointMb * 1024 * 1024) / 4;
  const checkpoints =
    config.idleCheckpointMs === 0
      ? null
      : repeat(config.idleCheckpointMs, false, async () => {
          try {
            const segments = await store.checkpointIdle(minWalBytes);
            if (segments.length > 0) logger.debug({ segments }, "checkpointed after a pause in writes");
          } catch (err) {
            logger.warn({ err }, "idle checkpoint failed; retried at the next pause");
          }
        });
  return {
    stop: async () => {
      await Promise.all([retention.stop(), checkpoints?.stop()]);
    },
  };
}

/** Runs `work` every `ms` (and at once when `now`); a run still going makes the next tick skip. */
function repeat(ms: number, now: boolean, work: () => Promise<void>): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  const tick = () => {
    running ??= work().finally(() => {
      running = null;
    });
  };
  if (now) tick();
  const timer = setInterval(tick, ms);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}

/** Waits for the promises to settle, at most `ms`. */
async function settled(promises: Promise<unknown>[], ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  await Promise.race([Promise.allSettled(promises), timeout]);
  clearTimeout(timer);
}
