/**
 * A guru-api for a test suite: the real app over dynalite (a fresh table per API), with the
 * adapters the suite picks, driven through supertest without a port. Every response is checked
 * against the OpenAPI document the app serves.
 */
import { randomBytes } from "node:crypto";
import request from "supertest";
import { type AdminToken, createAdminToken } from "../../../../api/src/bootstrap.js";
import { loadConfig } from "../../../../api/src/config.js";
import type { Provisioner } from "../../../../api/src/provisioning/provisioner.js";
import { type ApiRuntime, createRuntime } from "../../../../api/src/server.js";
import { testCredentials } from "../../../services/index.js";
import { cloudApiEnv } from "../../../support/cloud-api-env.js";
import { eventually } from "../../../support/eventually.js";
import { FakeProvisioner } from "./fake-provisioner.js";
import { type CheckedResponse, OpenApiValidator } from "./openapi-validator.js";

export { eventually };

export interface CallOptions {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** send this text as the body, with `contentType` (no JSON encoding) */
  raw?: { data: string; contentType?: string };
}

export interface TestApi {
  runtime: ApiRuntime;
  admin: AdminToken;
  provisioner: Provisioner;
  validator: OpenApiValidator;
  table: string;
  call(method: string, path: string, options?: CallOptions): Promise<CheckedResponse>;
  close(): Promise<void>;
}

export interface TestApiOptions {
  env?: Record<string, string>;
  provisioner?: Provisioner;
  /** share another API's catalog table */
  table?: string;
  /** ms since 1970 for token expiry and job leases (default: the real clock) */
  clock?: () => number;
}

export async function startTestApi(options: TestApiOptions = {}): Promise<TestApi> {
  const table = options.table ?? `guru-test-${randomBytes(4).toString("hex")}`;
  const config = loadConfig({
    ...(await cloudApiEnv(table)),
    GURU_API_CATALOG: "dynamodb",
    GURU_API_PROVISIONER: "local",
    GURU_API_LOCAL_ENGINE: "in-process",
    GURU_API_RECONCILE_INTERVAL_MS: "50",
    ...options.env,
  });
  const provisioner = options.provisioner ?? new FakeProvisioner();
  const runtime = await createRuntime(config, {
    provisioner,
    awsCredentials: testCredentials.credentials,
    clock: options.clock,
  });
  const admin = await createAdminToken(runtime.services, { accountName: "platform" });
  const validator = new OpenApiValidator((await request(runtime.app).get("/openapi.json")).body);
  const call = async (method: string, path: string, o: CallOptions = {}): Promise<CheckedResponse> => {
    const agent = request(runtime.app);
    let req = (agent as unknown as Record<string, (p: string) => request.Test>)[method.toLowerCase()]!(path);
    if (o.token !== undefined) req = req.set("Authorization", `Bearer ${o.token}`);
    for (const [name, value] of Object.entries(o.headers ?? {})) req = req.set(name, value);
    if (o.raw !== undefined) {
      if (o.raw.contentType !== undefined) req = req.set("Content-Type", o.raw.contentType);
      req = req.send(o.raw.data);
    } else if (o.body !== undefined)
      req = req.set("Content-Type", "application/json").send(JSON.stringify(o.body));
    const res = await req;
    return validator.check(method, path, { status: res.status, headers: res.headers, body: res.body });
  };
  return { runtime, admin, provisioner, validator, table, call, close: () => runtime.close() };
}

/** A new account and a token of it with the given scopes (default account:admin). */
export async function newTenant(
  api: TestApi,
  name: string,
  scopes: string[] = ["account:admin"],
  quotas?: { maxDatabases?: number; maxStorageGiB?: number },
): Promise<{ accountId: string; token: string; tokenId: string }> {
  const account = await api.call("POST", "/v1/accounts", { token: api.admin.token, body: { name, quotas } });
  if (account.status !== 201) throw new Error(`account: ${account.status} ${JSON.stringify(account.body)}`);
  const accountId = (account.body as { id: string }).id;
  const created = await api.call("POST", `/v1/accounts/${accountId}/tokens`, {
    token: api.admin.token,
    body: { name: `${name} token`, scopes },
  });
  if (created.status !== 201) throw new Error(`token: ${created.status} ${JSON.stringify(created.body)}`);
  const body = created.body as { secret: string; token: { id: string } };
  return { accountId, token: body.secret, tokenId: body.token.id };
}

/** Waits until the database's status is `status` (or it is gone, for "gone"). */
export async function waitForStatus(
  api: TestApi,
  token: string,
  db: string,
  status: string,
  timeoutMs = 10_000,
) {
  return eventually(`database ${db} ${status}`, timeoutMs, async () => {
    const res = await api.call("GET", `/v1/databases/${db}`, { token });
    if (status === "gone") return res.status === 404 ? res : undefined;
    return (res.body as { status?: string }).status === status ? res : undefined;
  });
}
