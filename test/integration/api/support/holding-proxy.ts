/**
 * An HTTP proxy to S3 (moto) that never answers a request for a backup's manifest: `held`
 * resolves then, so a test can kill a backup when every data file is stored and the backup is
 * not yet complete.
 */
import { createServer, request as httpRequest, type Server } from "node:http";

export function holdingProxy(target: { host: string; port: number }) {
  let hold: () => void = () => undefined;
  const held = new Promise<void>((resolve) => {
    hold = resolve;
  });
  const server: Server = createServer((req, res) => {
    if (req.url?.includes("manifest.json")) {
      req.resume();
      hold();
      return;
    }
    const upstream = httpRequest(
      { host: target.host, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  return { server, held };
}
