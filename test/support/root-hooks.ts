import { stopAllServices } from "../services/index.js";

/** Mocha root hooks: services started lazily by suites are stopped once, after the whole run. */
export const mochaHooks = {
  async afterAll(): Promise<void> {
    await stopAllServices();
  },
};
