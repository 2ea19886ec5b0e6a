import { startDynalite } from "./dynalite.js";
import { startMoto } from "./moto.js";
import type { RunningService } from "./process.js";
import { startRedis } from "./redis.js";

export { testCredentials } from "./aws.js";
export type { RunningService } from "./process.js";

const starters = { redis: startRedis, dynalite: startDynalite, moto: startMoto };
export type ServiceName = keyof typeof starters;

const running = new Map<ServiceName, Promise<RunningService>>();

/**
 * The named server, started on first use and shared by every suite of the run; the root hook
 * stops them all at the end, so no process outlives the run.
 */
export function useService(name: ServiceName): Promise<RunningService> {
  let service = running.get(name);
  if (!service) {
    service = starters[name]();
    running.set(name, service);
  }
  return service;
}

export async function stopAllServices(): Promise<void> {
  const services = [...running.values()];
  running.clear();
  // A service that failed to start was already reported by the suite that asked for it.
  await Promise.all(
    services.map((s) =>
      s.then(
        (service) => service.stop(),
        () => undefined,
      ),
    ),
  );
}
