/**
 * A guru-api with one tenant and one ready database on a real guru-engine (local provisioner),
 * for the data-plane suites; and helpers to send bodies that are not JSON (line protocol, CSV).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { pino } from "pino";
import request from "supertest";
import { LocalProvisioner } from "../../../../api/src/provisioning/local-provisioner.js";
import { newTenant, startTestApi, type TestApi, waitForStatus } from "./harness.js";
import type { CheckedResponse } from "./openapi-validator.js";

export interface DataApi {
  api: TestApi;
  provisioner: LocalProvisioner;
  token: string;
  accountId: string;
  db: string;
  close(): Promise<void>;
}

export async function startDataApi(
  name: string,
  options: { launch?: "process" | "in-process"; env?: Record<string, string> } = {},
): Promise<DataApi> {
  const dataDir = await mkdtemp(join(tmpdir(), `guru-api-${name}-`));
  const provisioner = new LocalProvisioner({
    dataDir,
    launch: options.launch ?? "in-process",
    logger: pino({ level: process.env.TEST_LOG ?? "silent" }),
  });
  const api = await startTestApi({ env: { GURU_API_DATA_DIR: dataDir, ...options.env }, provisioner });
  const tenant = await newTenant(api, name);
  const db = "metrics";
  const created = await api.call("POST", "/v1/databases", {
    token: tenant.token,
    body: { name: db, size: "dev", storage: { stripes: 2, stripeSizeGiB: 1 } },
  });
  if (created.status !== 202) throw new Error(`database: ${created.status} ${JSON.stringify(created.body)}`);
  await waitForStatus(api, tenant.token, db, "ready", 30_000);
  return {
    api,
    provisioner,
    token: tenant.token,
    accountId: tenant.accountId,
    db,
    close: async () => {
      await api.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface SendOptions {
  token?: string;
  authorization?: string;
  contentType?: string;
  gzip?: boolean;
  headers?: Record<string, string>;
}

/** POSTs a text body (line protocol, CSV), checked against the OpenAPI document like every call. */
export async function sendText(
  api: TestApi,
  path: string,
  body: string | Buffer,
  o: SendOptions = {},
): Promise<CheckedResponse & { text: string }> {
  let req = request(api.runtime.app).post(path);
  const auth = o.authorization ?? (o.token === undefined ? undefined : `Token ${o.token}`);
  if (auth !== undefined) req = req.set("Authorization", auth);
  req = req.set("Content-Type", o.contentType ?? "text/plain; charset=utf-8");
  for (const [k, v] of Object.entries(o.headers ?? {})) req = req.set(k, v);
  let data: string | Buffer = body;
  if (o.gzip) {
    req = req.set("Content-Encoding", "gzip");
    data = gzipSync(body);
  }
  const res = await req.send(data);
  const checked = api.validator.check("POST", path, {
    status: res.status,
    headers: res.headers,
    body: res.body,
  });
  return { ...checked, text: res.text };
}

/** GETs a path with an Accept header, returning the raw text too (streamed formats). */
export async function getText(api: TestApi, path: string, token: string, accept?: string) {
  let req = request(api.runtime.app).get(path).set("Authorization", `Bearer ${token}`);
  if (accept !== undefined) req = req.set("Accept", accept);
  const res = await req.buffer(true).parse((r, cb) => {
    let text = "";
    r.setEncoding("utf8");
    r.on("data", (c: string) => {
      text += c;
    });
    r.on("end", () => cb(null, text));
  });
  api.validator.check("GET", path, {
    status: res.status,
    headers: res.headers,
    body: res.status >= 400 ? JSON.parse(res.body as string) : res.body,
  });
  return { status: res.status, headers: res.headers, text: res.body as string };
}
