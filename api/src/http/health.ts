/**
 * /healthz (the process is up) and /readyz (it can serve: the catalog answers). A degraded cache
 * or event consumer is reported in the detail, not as unready: the API still answers, from
 * DynamoDB, so taking it out of the load balancer would only make things worse.
 */
import type { Router } from "express";

export type CheckStatus = "ok" | "degraded" | "disabled" | "down";

export interface HealthCheck {
  name: string;
  /** `critical` checks that are down make the instance unready */
  critical: boolean;
  check(): Promise<{ status: CheckStatus; detail?: string }>;
}

export async function readiness(checks: readonly HealthCheck[]) {
  const results = await Promise.all(
    checks.map(async (c) => {
      try {
        return [c, await c.check()] as const;
      } catch (err) {
        return [c, { status: "down" as const, detail: (err as Error).message }] as const;
      }
    }),
  );
  const ready = results.every(([c, r]) => !c.critical || r.status !== "down");
  return {
    ready,
    body: {
      status: ready
        ? results.every(([, r]) => r.status === "ok" || r.status === "disabled")
          ? "ready"
          : "degraded"
        : "unready",
      checks: Object.fromEntries(results.map(([c, r]) => [c.name, r])),
    },
  };
}

export function mountHealth(router: Router, checks: readonly HealthCheck[]): void {
  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  router.get("/readyz", async (_req, res) => {
    const { ready, body } = await readiness(checks);
    res.status(ready ? 200 : 503).json(body);
  });
}
