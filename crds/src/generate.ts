/**
 * `make crds`: writes crds/kdbdatabases.timeseries.guru.yaml from the zod schema. A unit test
 * fails when the checked-in file differs from what this would write.
 */
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { CRD_FILE, kdbDatabaseCrdYaml } from "./crd.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const target = join(root, CRD_FILE);
writeFileSync(target, kdbDatabaseCrdYaml());
console.log(`wrote ${CRD_FILE}`);
