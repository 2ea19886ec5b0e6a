/**
 * Container resources when spec.compute.resources is unset: a database pod must never be
 * BestEffort (the first evicted under node pressure, and placed without regard to its needs).
 * Derived from storage.stripes, which is immutable, so that growing the volumes never changes
 * the pod template (a resize keeps the pod); not from storage.size.
 * - CPU: 500m per stripe (each stripe is read by its own thread), at most 4 cores requested; no
 *   CPU limit, since throttling a database only adds query latency.
 * - Memory: 2Gi per stripe, at most 16Gi, and the same limit: memory is not overcommitted, so a
 *   neighbour cannot push the database into the OOM killer.
 */
import type { V1ResourceRequirements } from "@kubernetes/client-node";

const MILLICORES_PER_STRIPE = 500;
const MAX_MILLICORES = 4000;
const GIB_PER_STRIPE = 2;
const MAX_GIB = 16;

export function defaultResources(stripes: number): V1ResourceRequirements {
  const cpu = `${Math.min(stripes * MILLICORES_PER_STRIPE, MAX_MILLICORES)}m`;
  const memory = `${Math.min(stripes * GIB_PER_STRIPE, MAX_GIB)}Gi`;
  return { requests: { cpu, memory }, limits: { memory } };
}
