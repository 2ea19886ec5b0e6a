/** A keep-alive HTTP client for the benches: whole answers as text, statuses checked by the caller. */
import { Agent, request } from "node:http";
import { createServer } from "node:net";

const agent = new Agent({ keepAlive: true, maxSockets: 16 });

export interface Answer {
  status: number;
  text: string;
}

export function http(url: string, method: string, headers: Record<string, string>, body?: Buffer | string) {
  return new Promise<Answer>((resolve, reject) => {
    const req = request(url, { method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }),
      );
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** the answer, or an error naming the server and what it said */
export async function ok(
  server: string,
  url: string,
  method: string,
  headers: Record<string, string>,
  body?: Buffer | string,
) {
  const answer = await http(url, method, headers, body);
  if (answer.status < 200 || answer.status > 299)
    throw new Error(
      `${server}: ${method} ${url.split("?")[0]} answered ${answer.status}: ${answer.text.slice(0, 300)}`,
    );
  return answer;
}

/** a loopback port free now (the servers take ports on their command line) */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0));
    });
  });
}

/** polls `ready` until it holds, or fails after `ms` */
export async function until(what: string, ms: number, ready: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what} within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
