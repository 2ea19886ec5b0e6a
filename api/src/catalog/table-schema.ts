/**
 * The catalog table's definition, and creating it where the API may (local mode, tests, or
 * GURU_API_CREATE_TABLE=true). In the cloud the table is normally created by infrastructure code
 * with the same definition (docs/api.md#catalog).
 */

import { setTimeout as sleep } from "node:timers/promises";
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { INDEX_GSI1 } from "./keys.js";

export function tableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [
      { AttributeName: "pk", AttributeType: "S" },
      { AttributeName: "sk", AttributeType: "S" },
      { AttributeName: "gsi1pk", AttributeType: "S" },
      { AttributeName: "gsi1sk", AttributeType: "S" },
    ],
    KeySchema: [
      { AttributeName: "pk", KeyType: "HASH" },
      { AttributeName: "sk", KeyType: "RANGE" },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: INDEX_GSI1,
        KeySchema: [
          { AttributeName: "gsi1pk", KeyType: "HASH" },
          { AttributeName: "gsi1sk", KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: "ALL" },
      },
    ],
  };
}

async function status(client: DynamoDBClient, tableName: string): Promise<string | undefined> {
  try {
    const out = await client.send(new DescribeTableCommand({ TableName: tableName }));
    return out.Table?.TableStatus;
  } catch (err) {
    if ((err as { name?: string }).name === "ResourceNotFoundException") return undefined;
    throw err;
  }
}

/** Creates the table unless it exists, and waits until it is ACTIVE. */
export async function ensureTable(
  client: DynamoDBClient,
  tableName: string,
  timeoutMs = 60_000,
): Promise<void> {
  if ((await status(client, tableName)) === undefined) {
    try {
      await client.send(new CreateTableCommand(tableDefinition(tableName)));
    } catch (err) {
      if ((err as { name?: string }).name !== "ResourceInUseException") throw err;
    }
  }
  const deadline = Date.now() + timeoutMs;
  while ((await status(client, tableName)) !== "ACTIVE") {
    if (Date.now() > deadline) throw new Error(`table ${tableName} did not become ACTIVE in ${timeoutMs} ms`);
    await sleep(100);
  }
  // Idempotency records expire through TTL; servers without TTL support (dynalite) ignore this,
  // and the API checks expiresAt itself anyway.
  await client
    .send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: "expiresAt", Enabled: true },
      }),
    )
    .catch(() => undefined);
}
