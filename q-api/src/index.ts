export * from "./column-types.js";
export * from "./errors.js";
export * from "./names.js";
export * from "./query-words.js";
export * from "./version.js";
