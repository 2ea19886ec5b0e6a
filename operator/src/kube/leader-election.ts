/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection package does
 * it: try to acquire or renew every `retryPeriodMs`; a Lease held by another identity is taken
 * only once its `renewTime + leaseDurationSeconds` has passed; every write carries the
 * resourceVersion read, so two candidates never both win. When renewals keep failing for
 * `renewDeadlineMs`, leadership is lost: `onStoppedLeading` runs and reconciling must stop at once.
 * Every attempt is bounded in time: a request to an API server that does not answer (a lost node,
 * a network partition: no reset, just silence) would otherwise hold a leader past its deadline
 * while another replica takes the expired Lease.
 * renewTime and acquireTime are MicroTime (six fractional digits).
 */
import type { CoordinationV1Api, V1Lease } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { describeError, isApiError } from "./api-error.js";
import { type Clock, realClock } from "./clock.js";
import { microTime, parseTime } from "./micro-time.js";

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  log: Logger;
  onStartedLeading(): void;
  onStoppedLeading(): void;
  /** default: the real clock */
  clock?: Clock;
}

export class LeaderElector {
  readonly #api: CoordinationV1Api;
  readonly #options: LeaderElectionOptions;
  readonly #clock: Clock;
  #leading = false;
  #lastRenew = 0;
  #stopped = false;
  #cancelTimer: (() => void) | undefined;
  #tick: Promise<void> | undefined;

  constructor(api: CoordinationV1Api, options: LeaderElectionOptions) {
    this.#api = api;
    this.#options = options;
    this.#clock = options.clock ?? realClock;
  }

  get leading(): boolean {
    return this.#leading;
  }

  start(): void {
    this.#stopped = false;
    this.#schedule(0);
  }

  /** Stops campaigning; a leader releases the Lease so a successor need not wait for it to expire. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#cancelTimer?.();
    await this.#tick;
    if (this.#leading) {
      this.#leading = false;
      await this.#withTimeout(this.#release(), this.#options.renewDeadlineMs).catch((err: unknown) =>
        this.#options.log.warn({ err: describeError(err) }, "Could not release the leader Lease."),
      );
    }
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#cancelTimer = this.#clock.after(delayMs, () => {
      this.#tick = this.#step().finally(() => this.#schedule(this.#options.retryPeriodMs));
    });
  }

  async #step(): Promise<void> {
    let held = false;
    // a leader waits no longer than its renew deadline (at least one retry period); a candidate
    // no longer than a renew deadline
    const { renewDeadlineMs, retryPeriodMs } = this.#options;
    const budgetMs = this.#leading
      ? Math.max(this.#lastRenew + renewDeadlineMs - this.#clock.now(), retryPeriodMs)
      : renewDeadlineMs;
    try {
      held = await this.#withTimeout(this.#tryAcquireOrRenew(), budgetMs);
    } catch (err) {
      this.#options.log.warn({ err: describeError(err) }, "Leader Lease update failed.");
    }
    if (this.#stopped) return;
    if (held) {
      this.#lastRenew = this.#clock.now();
      if (!this.#leading) {
        this.#leading = true;
        this.#options.log.info({ identity: this.#options.identity }, "Became the leader.");
        this.#options.onStartedLeading();
      }
    } else if (this.#leading && this.#clock.now() - this.#lastRenew > this.#options.renewDeadlineMs) {
      this.#leading = false;
      this.#options.log.error({ identity: this.#options.identity }, "Lost the leader Lease; stopping work.");
      this.#options.onStoppedLeading();
    }
  }

  /** true when this identity holds the Lease after the call */
  async #tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity, leaseDurationSeconds } = this.#options;
    const now = new Date(this.#clock.now());
    let lease: V1Lease;
    try {
      lease = await this.#api.readNamespacedLease({ name, namespace });
    } catch (err) {
      if (!isApiError(err, 404)) throw err;
      const body = {
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: { name, namespace },
        spec: {
          holderIdentity: identity,
          leaseDurationSeconds,
          acquireTime: microTime(now),
          renewTime: microTime(now),
          leaseTransitions: 0,
        },
      } as unknown as V1Lease;
      try {
        await this.#api.createNamespacedLease({ namespace, body });
        return true;
      } catch (createErr) {
        if (isApiError(createErr, 409)) return false; // another candidate was faster
        throw createErr;
      }
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? "";
    const renewed = parseTime(spec.renewTime) ?? 0;
    const expired = renewed + (spec.leaseDurationSeconds ?? leaseDurationSeconds) * 1000 < now.getTime();
    if (holder !== "" && holder !== identity && !expired) return false;
    const takingOver = holder !== identity;
    const body = {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name, namespace, resourceVersion: lease.metadata?.resourceVersion },
      spec: {
        holderIdentity: identity,
        leaseDurationSeconds,
        acquireTime: takingOver ? microTime(now) : toMicro(spec.acquireTime),
        renewTime: microTime(now),
        leaseTransitions: (spec.leaseTransitions ?? 0) + (takingOver && holder !== "" ? 1 : 0),
      },
    } as unknown as V1Lease;
    try {
      await this.#api.replaceNamespacedLease({ name, namespace, body });
      return true;
    } catch (err) {
      if (isApiError(err, 409)) return false; // someone else wrote it first
      throw err;
    }
  }

  async #release(): Promise<void> {
    const { namespace, name, identity } = this.#options;
    const lease = await this.#api.readNamespacedLease({ name, namespace });
    if (lease.spec?.holderIdentity !== identity) return;
    const past = new Date(this.#clock.now() - 3600_000);
    const body = {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name, namespace, resourceVersion: lease.metadata?.resourceVersion },
      spec: {
        holderIdentity: "",
        leaseDurationSeconds: 1,
        acquireTime: toMicro(lease.spec?.acquireTime),
        renewTime: microTime(past),
        leaseTransitions: lease.spec?.leaseTransitions ?? 0,
      },
    } as unknown as V1Lease;
    await this.#api.replaceNamespacedLease({ name, namespace, body });
    this.#options.log.info({ identity }, "Released the leader Lease.");
  }

  /** `work`, or a rejection once `ms` passed; a late outcome of abandoned work is ignored. */
  #withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
    let cancel: (() => void) | undefined;
    const timeout = new Promise<never>((_, reject) => {
      cancel = this.#clock.after(ms, () =>
        reject(new Error(`the API server did not answer within ${ms} ms`)),
      );
    });
    work.catch(() => undefined);
    return Promise.race([work, timeout]).finally(() => cancel?.());
  }
}

function toMicro(value: unknown): string | undefined {
  const ms = parseTime(value);
  return ms === undefined ? undefined : microTime(new Date(ms));
}
