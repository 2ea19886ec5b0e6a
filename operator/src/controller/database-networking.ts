/** How the database is reached and protected: its Services, PodDisruptionBudget and NetworkPolicy. */
import type { KdbDatabase } from "../../../crds/src/index.js";
import { buildNetworkPolicy, buildPodDisruptionBudget } from "../builders/policies.js";
import { buildClientService, buildHeadlessService } from "../builders/services.js";
import type { ChildApplier } from "./child-applier.js";

export async function applyNetworking(children: ChildApplier, db: KdbDatabase): Promise<void> {
  await Promise.all([
    children.apply(buildHeadlessService(db)),
    children.apply(buildClientService(db)),
    children.apply(buildPodDisruptionBudget(db)),
    children.apply(buildNetworkPolicy(db)),
  ]);
}
