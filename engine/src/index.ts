/** guru-engine as a library: start an engine in process (the API's local provisioner does). */
export { CONTRACT_VERSION } from "./api/env.js";
export { configFromEnv, type EngineConfig, type EngineConfigInput, engineConfig } from "./config.js";
export { type Engine, startEngine } from "./engine.js";
