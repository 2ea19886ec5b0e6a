/**
 * The manifests `make crds` writes: the CRDs and the admission policies as YAML. A second entry
 * file, so that processes using the resource schemas (index.ts) do not load the YAML writer.
 */
export * from "./admission.js";
export {
  CRD_FILE,
  crdFiles,
  kdbBackupCrd,
  kdbDatabaseCrd,
  kdbDatabaseCrdYaml,
  kdbScheduledBackupCrd,
  openApiSchema,
} from "./crd.js";
