/**
 * The influx CLI (Debian's influxdb-client, `make clients`) as a client of guru-api on a loopback
 * port: user name and password (the token), `-execute` of SHOW and of a SELECT ... GROUP BY
 * time(), answers read from its output as a person would see them.
 */
import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import { type DataApi, sendText, startDataApi } from "./support/data-plane.js";

const run = promisify(execFile);
const T0 = Date.UTC(2024, 0, 1) / 1000; // s

describe("the influx CLI against guru-api", function () {
  this.timeout(60_000);
  let d: DataApi;
  let server: Server;
  let port: number;

  const influx = async (statement: string, ...extra: string[]) => {
    const args = ["-host", "127.0.0.1", "-port", String(port), "-username", "u", "-password", d.token];
    const { stdout } = await run("influx", [
      ...args,
      "-database",
      "metrics",
      ...extra,
      "-execute",
      statement,
    ]);
    return stdout;
  };

  before(async () => {
    d = await startDataApi("influxcli");
    const lines = Array.from(
      { length: 12 },
      (_, i) => `cpu,host=${i % 2 ? "b" : "a"} usage=${i * 0.5} ${T0 + i * 30}`,
    );
    lines.push(`mem,host=a free=7i ${T0}`);
    const res = await sendText(d.api, "/write?db=metrics&precision=s", `${lines.join("\n")}\n`, {
      token: d.token,
    });
    assert.equal(res.status, 204, res.text);
    server = createServer(d.api.runtime.app);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await d?.close();
  });

  it("lists the measurements", async () => {
    const out = await influx("SHOW MEASUREMENTS");
    assert.deepEqual(out.trim().split("\n"), ["name: measurements", "name", "----", "cpu", "mem"]);
  });

  it("answers a SELECT ... GROUP BY time() per host, in its column format", async () => {
    // host a has usage 0, 1, ... 5 every minute from T0, host b 0.5, 1.5, ... 5.5 in between
    const out = await influx(
      `SELECT mean("usage"), count("usage") FROM "cpu" WHERE time >= ${T0}s AND time < ${T0 + 360}s GROUP BY time(2m), "host"`,
      "-precision",
      "rfc3339",
    );
    assert.deepEqual(out.trim().split("\n"), [
      "name: cpu",
      "tags: host=a",
      "time                 mean count",
      "----                 ---- -----",
      "2024-01-01T00:00:00Z 0.5  2",
      "2024-01-01T00:02:00Z 2.5  2",
      "2024-01-01T00:04:00Z 4.5  2",
      "",
      "name: cpu",
      "tags: host=b",
      "time                 mean count",
      "----                 ---- -----",
      "2024-01-01T00:00:00Z 1    2",
      "2024-01-01T00:02:00Z 3    2",
      "2024-01-01T00:04:00Z 5    2",
    ]);
  });

  it("refuses a wrong password as guru-api's 401", async () => {
    const args = ["-host", "127.0.0.1", "-port", String(port), "-username", "u", "-password", "tsg_x_y"];
    const res = await run("influx", [...args, "-execute", "SHOW DATABASES"]).catch(
      (err: { code: number; stdout: string; stderr: string }) => err,
    );
    assert.notEqual((res as { code?: number }).code ?? 0, 0);
    assert.match(`${res.stdout}${res.stderr}`, /401|unauthorized|invalid/i);
  });
});
