/** guru-engine as a library: start an engine in process (the API's local provisioner does). */
export { type Engine, startEngine } from "./engine.js";
export * from "./launch.js";
