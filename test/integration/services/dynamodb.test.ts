import { strict as assert } from "node:assert";
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  waitUntilTableExists,
} from "@aws-sdk/client-dynamodb";
import { testCredentials, useService } from "../../services/index.js";

describe("service harness: dynalite (DynamoDB API)", () => {
  let client: DynamoDBClient;
  const TableName = "harness";

  before(async () => {
    const dynalite = await useService("dynalite");
    client = new DynamoDBClient({ endpoint: `http://${dynalite.host}:${dynalite.port}`, ...testCredentials });
    await client.send(
      new CreateTableCommand({
        TableName,
        AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
        BillingMode: "PAY_PER_REQUEST",
      }),
    );
    // a new table is CREATING until dynalite marks it ACTIVE, as DynamoDB does: items wait for that
    await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 1 }, { TableName });
  });

  after(() => client.destroy());

  it("creates a table, puts an item and gets it back", async () => {
    const Item = { pk: { S: "account#1" }, name: { S: "acme" }, rows: { N: "9223372036854775807" } };
    await client.send(new PutItemCommand({ TableName, Item }));
    const { Item: got } = await client.send(new GetItemCommand({ TableName, Key: { pk: Item.pk } }));
    assert.deepEqual(got, Item);
  });

  it("enforces a conditional write the way DynamoDB does", async () => {
    const Item = { pk: { S: "account#2" } };
    const put = () =>
      client.send(new PutItemCommand({ TableName, Item, ConditionExpression: "attribute_not_exists(pk)" }));
    await put();
    await assert.rejects(put(), ConditionalCheckFailedException);
  });
});
