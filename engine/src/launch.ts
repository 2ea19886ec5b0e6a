/**
 * guru-engine for a process that runs it as a child: its configuration and the child process,
 * without loading DuckDB (the in-process engine is index.ts's).
 */
export { type ChildEngine, type SpawnOptions, spawnEngine } from "./child-process.js";
export { configFromEnv, type EngineConfig, type EngineConfigInput, engineConfig } from "./config.js";
