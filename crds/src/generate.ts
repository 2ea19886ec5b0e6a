/**
 * `make crds`: writes crds/<plural>.timeseries.guru.yaml of every CRD from the zod schemas, and the
 * admission policies that go with it (crds/ and the chart's files/, which `make crds` does not
 * copy itself). Unit tests fail when a checked-in file differs from what this would write.
 */
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { admissionPoliciesYaml, POLICIES_FILE } from "./admission.js";
import { crdFiles } from "./crd.js";

/** The chart's copy of the policies, relative to the repository root. */
export const CHART_POLICIES_FILE =
  "helm/time-series-guru/files/crds/kdbdatabases.timeseries.guru.policies.yaml";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
for (const { file, yaml } of crdFiles()) {
  writeFileSync(join(root, file), yaml);
  console.log(`wrote ${file}`);
}
for (const file of [POLICIES_FILE, CHART_POLICIES_FILE]) {
  writeFileSync(join(root, file), admissionPoliciesYaml());
  console.log(`wrote ${file}`);
}
