export * from "./admission.js";
export { CRD_FILE, kdbDatabaseCrd, kdbDatabaseCrdYaml, openApiSchema } from "./crd.js";
export * from "./kdb-database.js";
