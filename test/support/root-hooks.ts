import { stopAllServices } from "../services/index.js";

/** Mocha root hooks: services started lazily by suites are stopped once, after the whole run. */
export const mochaHooks = {
  async afterAll(): Promise<void> {
    await stopAllServices();
    await (await import("../cluster/index.js")).stopCluster(); // loaded here only to stop it
  },
};
