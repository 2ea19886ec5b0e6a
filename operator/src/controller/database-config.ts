/** The database's ConfigMap: par.txt and the data plane's settings. */
import type { KdbDatabase } from "../../../crds/src/index.js";
import { buildConfigMap, contentHash } from "../builders/config-map.js";
import type { ChildApplier } from "./child-applier.js";

/** Applies the ConfigMap; returns the hash of its data, which the pod template carries. */
export async function applyConfig(children: ChildApplier, db: KdbDatabase): Promise<string> {
  const configMap = buildConfigMap(db);
  await children.apply(configMap);
  return contentHash(configMap.data);
}
