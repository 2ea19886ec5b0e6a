import { createRequire } from "node:module";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { testCredentials } from "./aws.js";
import { LOOPBACK, type RunningService, startService } from "./process.js";

const dynaliteCli = createRequire(import.meta.url).resolve("dynalite/cli.js");

async function listsTables(port: number): Promise<boolean> {
  const client = new DynamoDBClient({ endpoint: `http://${LOOPBACK}:${port}`, ...testCredentials });
  try {
    await client.send(new ListTablesCommand({}));
    return true;
  } finally {
    client.destroy();
  }
}

/** dynalite (the DynamoDB API over an in-memory LevelDB), on a free loopback port. */
export function startDynalite(): Promise<RunningService> {
  return startService({
    name: "dynalite",
    command: process.execPath,
    args: (port) => [
      dynaliteCli,
      "--port",
      String(port),
      "--host",
      LOOPBACK,
      "--createTableMs",
      "0",
      "--deleteTableMs",
      "0",
    ],
    listening: /Dynalite listening at/,
    ready: listsTables,
    installHint: "It comes with `npm ci`.",
  });
}
