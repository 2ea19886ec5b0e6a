/**
 * A pool of q IPC connections to one server. kdb+ answers a connection's requests one at a time,
 * so concurrency comes from several connections; each request goes to the least busy one.
 * Dropped connections come back with exponential backoff. Requests are never retried: a write
 * that may have run must not run twice.
 */
import { buildCall } from "./call.js";
import { QClient, type QClientOptions, type QRequestOptions } from "./client.js";
import { QConnectionError } from "./errors.js";
import { silentLogger } from "./logger.js";
import type { QValue } from "./types.js";

export interface QPoolOptions extends QClientOptions {
  /** Connections kept open. Default 4. */
  size?: number;
  /** How long a request waits for a connection when none is up. Default 10 s. */
  acquireTimeoutMs?: number;
  /** First reconnect delay; it doubles per failed attempt up to `reconnectMaxMs`. Default 100 ms. */
  reconnectMinMs?: number;
  /** Longest reconnect delay. Default 5 s. */
  reconnectMaxMs?: number;
}

export interface QPool {
  call(name: string, ...args: QValue[]): Promise<QValue>;
  sync(value: QValue, options?: QRequestOptions): Promise<QValue>;
  async(value: QValue): Promise<void>;
  /** Connections currently up. */
  readonly connected: number;
  /** Closes every connection (pending requests finish first) and stops reconnecting. */
  close(): Promise<void>;
}

interface Slot {
  client: QClient | undefined;
  connecting: Promise<void> | undefined;
  failures: number;
  timer: NodeJS.Timeout | undefined;
}

interface Waiter {
  resolve: (client: QClient) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/** Delay before reconnect attempt `failures` (≥ 1): doubling, capped, with jitter in its upper
 * half so that a fleet of pools does not reconnect in lockstep. */
export function backoffDelay(failures: number, minMs: number, maxMs: number, random = Math.random): number {
  const ceiling = Math.min(maxMs, minMs * 2 ** Math.min(failures - 1, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export function createQPool(options: QPoolOptions): QPool {
  const logger = options.logger ?? silentLogger;
  const where = `${options.host}:${options.port}`;
  const acquireTimeoutMs = options.acquireTimeoutMs ?? 10_000;
  const slots: Slot[] = Array.from({ length: Math.max(1, options.size ?? 4) }, () => ({
    client: undefined,
    connecting: undefined,
    failures: 0,
    timer: undefined,
  }));
  const waiters = new Set<Waiter>();
  let closed = false;
  let turn = 0;

  const up = (): QClient[] => slots.flatMap((s) => (s.client && !s.client.closed ? [s.client] : []));

  /** The least busy open connection, rotating among equals. */
  const pick = (): QClient | undefined => {
    const clients = up();
    turn = (turn + 1) % slots.length;
    let best: QClient | undefined;
    for (let i = 0; i < clients.length; i++) {
      const client = clients[(turn + i) % clients.length];
      if (client && (best === undefined || client.pending < best.pending)) best = client;
    }
    return best;
  };

  const wake = (): void => {
    for (const waiter of waiters) {
      const client = pick();
      if (client === undefined) return;
      waiters.delete(waiter);
      clearTimeout(waiter.timer);
      waiter.resolve(client);
    }
  };

  const schedule = (slot: Slot): void => {
    slot.failures++;
    const delay = backoffDelay(slot.failures, options.reconnectMinMs ?? 100, options.reconnectMaxMs ?? 5000);
    slot.timer = setTimeout(() => connect(slot), delay);
  };

  const adopt = (slot: Slot, client: QClient): void => {
    if (slot.failures > 0) logger.info({ server: where }, "q connection re-established");
    slot.client = client;
    slot.failures = 0;
    client.once("close", (reason) => {
      slot.client = undefined;
      if (closed) return;
      logger.warn({ server: where, err: reason }, "q connection lost; reconnecting");
      schedule(slot);
    });
    wake();
  };

  const connect = (slot: Slot): void => {
    slot.timer = undefined;
    slot.connecting = QClient.connect(options).then(
      (client) => {
        slot.connecting = undefined;
        if (closed) void client.close();
        else adopt(slot, client);
      },
      (err: unknown) => {
        slot.connecting = undefined;
        if (closed) return;
        // Loud once per outage, quiet while it lasts.
        logger[slot.failures === 0 ? "warn" : "debug"]({ server: where, err }, "q connection failed");
        schedule(slot);
      },
    );
  };

  const acquire = (): Promise<QClient> => {
    if (closed) return Promise.reject(new QConnectionError(`pool for ${where} is closed`));
    const client = pick();
    if (client) return Promise.resolve(client);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          waiters.delete(waiter);
          reject(new QConnectionError(`no connection to ${where} within ${acquireTimeoutMs} ms`));
        }, acquireTimeoutMs),
      };
      waiters.add(waiter);
    });
  };

  const sync = (value: QValue, requestOptions?: QRequestOptions): Promise<QValue> =>
    acquire().then((client) => client.sync(value, requestOptions));

  for (const slot of slots) connect(slot);

  return {
    call: (name, ...args) => sync(buildCall(name, args)),
    sync,
    async: (value) => acquire().then((client) => client.async(value)),
    get connected() {
      return up().length;
    },
    close: async () => {
      closed = true;
      for (const waiter of waiters) {
        clearTimeout(waiter.timer);
        waiter.reject(new QConnectionError(`pool for ${where} is closed`));
      }
      waiters.clear();
      for (const slot of slots) clearTimeout(slot.timer);
      await Promise.all(slots.map((s) => s.connecting));
      await Promise.all(slots.map((s) => s.client?.close()));
    },
  };
}
