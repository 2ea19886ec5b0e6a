/**
 * The operator's side port: GET /healthz (200 while the process runs), GET /readyz (200 once every
 * informer has its first list), GET /metrics (Prometheus text from the operator's own registry).
 */
import { createServer, type Server } from "node:http";
import type { Registry } from "prom-client";

export interface HealthServerOptions {
  host: string;
  port: number;
  registry: Registry;
  ready(): boolean;
}

export async function startHealthServer(options: HealthServerOptions): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { Allow: "GET, HEAD" }).end();
      return;
    }
    if (path === "/healthz") {
      res.writeHead(200, { "Content-Type": "text/plain" }).end("ok\n");
    } else if (path === "/readyz") {
      const ready = options.ready();
      res
        .writeHead(ready ? 200 : 503, { "Content-Type": "text/plain" })
        .end(ready ? "ok\n" : "informers syncing\n");
    } else if (path === "/metrics") {
      options.registry.metrics().then(
        (text) => res.writeHead(200, { "Content-Type": options.registry.contentType }).end(text),
        (err: unknown) => res.writeHead(500).end(String(err)),
      );
    } else {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("not found\n");
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return server;
}
