/**
 * The Express app, built apart from listening (server.ts) so tests drive it with supertest.
 * Order: request context (id, logger, metrics) → health and the OpenAPI document → the /v1 routes
 * (each: authentication, rate limit, validation, handler) → 404 → the problem+json handler.
 * The data plane (points, line protocol, queries, CSV imports, jobs) is route specs too, so the
 * OpenAPI document covers it; `extraRoutes` and `extend` remain for tests and add-ons.
 */
import express, { type Express } from "express";
import type { Logger } from "pino";
import { accountsRoutes } from "./accounts/accounts-controller.js";
import { influxAuthorization } from "./auth/influx-auth.js";
import { backupsRoutes } from "./backups/backups-controller.js";
import type { Services } from "./compose.js";
import type { ApiConfig } from "./config.js";
import { mountConsole } from "./console/console-static.js";
import { databasesRoutes } from "./databases/databases-controller.js";
import { problemHandler, routeNotFound } from "./errors/problem-handler.js";
import { contextOf } from "./http/context.js";
import { type HealthCheck, mountHealth } from "./http/health.js";
import { rateLimitOf } from "./http/rate-limit.js";
import { requestContext } from "./http/request-context.js";
import { type AnyRoute, mountRoutes } from "./http/route.js";
import { importsRoutes } from "./imports/imports-controller.js";
import { influxqlRoutes } from "./influxql/index.js";
import { jobsRoutes } from "./jobs/jobs-controller.js";
import type { ApiMetrics } from "./metrics.js";
import { buildOpenApiDocument } from "./openapi/document.js";
import { pointsRoutes } from "./points/points-controller.js";
import { queriesRoutes } from "./queries/queries-controller.js";
import type { RateLimiter } from "./rate-limit/rate-limiter.js";
import { retentionRoutes } from "./retention/retention-controller.js";
import { seriesRoutes } from "./series/series-controller.js";
import { tokensRoutes } from "./tokens/tokens-controller.js";

export const API_VERSION = "0.1.0";

export interface AppDeps {
  config: Pick<ApiConfig, "trustProxy" | "bodyLimit">;
  logger: Logger;
  metrics: ApiMetrics;
  services: Services;
  rateLimiter: RateLimiter | undefined;
  checks: readonly HealthCheck[];
  extraRoutes?: (services: Services) => AnyRoute[];
  /** mounts routes that are not JSON route specs (line protocol, CSV uploads), before the 404 */
  extend?: (app: Express, services: Services) => void;
}

export function apiRoutes(services: Services, extra?: AppDeps["extraRoutes"]): AnyRoute[] {
  return [
    ...accountsRoutes(services.accounts),
    ...tokensRoutes(services.tokens),
    ...databasesRoutes(services.databases, services.idempotency),
    ...seriesRoutes(services.series, services.idempotency),
    ...pointsRoutes(services.points),
    ...queriesRoutes(services.queries),
    ...importsRoutes(services.imports),
    ...jobsRoutes(services.jobs),
    ...backupsRoutes(services.backups),
    ...retentionRoutes(services.retention),
    ...influxqlRoutes(services),
    ...(extra?.(services) ?? []),
  ];
}

export function buildApp(deps: AppDeps): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.set("trust proxy", deps.config.trustProxy);
  app.set("query parser", "simple");
  app.use(requestContext(deps.logger, deps.metrics));
  mountHealth(app, deps.checks);
  mountConsole(app); // the web console's static files (docs/console.md)
  const routes = apiRoutes(deps.services, deps.extraRoutes);
  const document = buildOpenApiDocument(routes, API_VERSION);
  app.get("/openapi.json", (_req, res) => {
    res.json(document);
  });
  const rateLimit = rateLimitOf(deps.rateLimiter, deps.metrics);
  mountRoutes(app, routes, {
    // InfluxDB clients send the token as a password too (Basic auth, or ?u=&p=)
    authenticate: (req) => deps.services.tokens.authenticate(influxAuthorization(req)),
    rateLimit,
    bodyLimit: deps.config.bodyLimit,
  });
  deps.extend?.(app, deps.services);
  app.use((req, _res, next) => {
    contextOf(req).route ??= "unmatched";
    next();
  });
  app.use(routeNotFound);
  app.use(problemHandler(deps.logger));
  return app;
}
