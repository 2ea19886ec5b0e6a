/**
 * guru-api in process for the backup suites: local mode with in-process guru-engines, the
 * catalog in dynalite (a fresh table, or `table` to share one with another instance), every
 * answer checked against /openapi.json; `clock` is the injected time of leases and schedules.
 */
import { randomBytes } from "node:crypto";
import request from "supertest";
import { createAdminToken } from "../../../../api/src/bootstrap.js";
import { loadConfig } from "../../../../api/src/config.js";
import { type ApiRuntime, createRuntime, type RuntimeOverrides } from "../../../../api/src/server.js";
import { testCredentials, useService } from "../../../services/index.js";
import { eventually } from "../../../support/eventually.js";
import { type CheckedResponse, OpenApiValidator } from "./openapi-validator.js";

export interface Api {
  runtime: ApiRuntime;
  token: string;
  call(method: string, path: string, body?: unknown): Promise<CheckedResponse>;
  close(): Promise<void>;
}

export async function startApi(
  dataDir: string,
  env: Record<string, string>,
  options: Pick<RuntimeOverrides, "clock" | "background"> & { accountId?: string } = {},
): Promise<Api> {
  const { accountId, ...overrides } = options;
  const dynalite = await useService("dynalite");
  const config = loadConfig({
    GURU_API_MODE: "local",
    GURU_API_DATA_DIR: dataDir,
    GURU_API_CATALOG: "dynamodb",
    GURU_API_DYNAMODB_ENDPOINT: `http://${dynalite.host}:${dynalite.port}`,
    GURU_API_DYNAMODB_TABLE: `guru-backups-${randomBytes(4).toString("hex")}`,
    GURU_API_CREATE_TABLE: "true",
    GURU_API_RATE_LIMIT: "off",
    GURU_API_LOCAL_ENGINE: "in-process",
    GURU_API_RECONCILE_INTERVAL_MS: "50",
    GURU_API_LOG_LEVEL: process.env.TEST_LOG ?? "silent",
    ...env,
  });
  const runtime = await createRuntime(config, { awsCredentials: testCredentials.credentials, ...overrides });
  const admin = await createAdminToken(runtime.services, { accountId, accountName: "backups" });
  const validator = new OpenApiValidator((await request(runtime.app).get("/openapi.json")).body);
  const call = async (method: string, path: string, body?: unknown) => {
    let req = (request(runtime.app) as unknown as Record<string, (p: string) => request.Test>)[
      method.toLowerCase()
    ]!(path).set("Authorization", `Bearer ${admin.token}`);
    if (body !== undefined) req = req.set("Content-Type", "application/json").send(JSON.stringify(body));
    const res = await req;
    return validator.check(method, path, { status: res.status, headers: res.headers, body: res.body });
  };
  return { runtime, token: admin.token, call, close: () => runtime.close() };
}

export async function ready(api: Api, db: string): Promise<Record<string, unknown>> {
  return eventually(`${db} ready`, 30_000, async () => {
    const res = await api.call("GET", `/v1/databases/${db}`);
    const body = res.body as { status: string; statusReason: string | null };
    if (body.status === "failed") throw new Error(`${db} failed: ${body.statusReason}`);
    return body.status === "ready" ? (res.body as Record<string, unknown>) : undefined;
  });
}

export async function jobDone(api: Api, id: string): Promise<Record<string, unknown>> {
  return eventually(`job ${id}`, 30_000, async () => {
    const res = await api.call("GET", `/v1/jobs/${id}`);
    const job = res.body as { status: string };
    return job.status === "running" ? undefined : (res.body as Record<string, unknown>);
  });
}
