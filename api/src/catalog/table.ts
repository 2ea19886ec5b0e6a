/**
 * The catalog's one DynamoDB table, behind a few operations the stores need. This is the SDK
 * boundary: every DynamoDB exception becomes one of ours here (anchors §3D), so nothing above
 * knows the SDK's names.
 * - ConditionalCheckFailedException → CatalogConflict (409 CONFLICT unless a store says better);
 * - throttling, 5xx and network failures → CATALOG_UNAVAILABLE (503, Retry-After);
 * - anything else (a ValidationException is our bug) → INTERNAL.
 */
import {
  BatchWriteItemCommand,
  type BatchWriteItemCommandOutput,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
} from "@aws-sdk/client-dynamodb";
import { ConflictError, DependencyError, InternalError } from "../errors/errors.js";
import type { ApiMetrics } from "../metrics.js";
import { type Item, marshal, toAttribute, unmarshal } from "./attributes.js";
import type { INDEX_GSI1, Key } from "./keys.js";

/** A conditional write found the item not as expected. */
export class CatalogConflict extends ConflictError {
  constructor(detail = "the resource changed concurrently; read it again and retry", options?: ErrorOptions) {
    super("CONFLICT", detail, options);
  }
}

/** A condition expression with its placeholders (`#name`, `:value`). */
export interface Condition {
  expression: string;
  names?: Record<string, string>;
  values?: Record<string, unknown>;
}

export const conditions = {
  absent: (): Condition => ({ expression: "attribute_not_exists(pk)" }),
  present: (): Condition => ({ expression: "attribute_exists(pk)" }),
  version: (version: number): Condition => ({
    expression: "#version = :expectedVersion",
    names: { "#version": "version" },
    values: { ":expectedVersion": version },
  }),
};

export interface QueryInput {
  /** partition key value (of the table, or of gsi1 when `index` is set) */
  partition: string;
  index?: typeof INDEX_GSI1;
  /** only sort keys starting with this */
  prefix?: string;
  limit?: number;
  /** resume after this item's keys */
  startKey?: Record<string, string>;
  consistent?: boolean;
}

export interface QueryPage {
  items: Item[];
  /** the keys to resume from, when there may be more */
  lastKey: Record<string, string> | undefined;
}

const UNAVAILABLE = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
  "InternalServerError",
  "ServiceUnavailable",
  "TimeoutError",
  "ResourceNotFoundException",
]);

const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN"]);

function isUnavailable(err: unknown): boolean {
  const e = err as { name?: string; code?: string; $fault?: string; $metadata?: { httpStatusCode?: number } };
  return (
    UNAVAILABLE.has(e.name ?? "") ||
    NETWORK_CODES.has(e.code ?? "") ||
    e.$fault === "server" ||
    (e.$metadata?.httpStatusCode ?? 0) >= 500
  );
}

/** Maps an SDK failure to our errors. */
export function mapDynamoError(err: unknown, operation: string): Error {
  const name = (err as { name?: string }).name;
  if (name === "ConditionalCheckFailedException") return new CatalogConflict(undefined, { cause: err });
  if (isUnavailable(err)) {
    return new DependencyError("CATALOG_UNAVAILABLE", `the catalog is unavailable (${operation}: ${name})`, {
      cause: err,
      retryAfterSeconds: 1,
    });
  }
  return new InternalError(`catalog ${operation} failed`, { cause: err });
}

function placeholders(condition: Condition | undefined) {
  return {
    ConditionExpression: condition?.expression,
    ExpressionAttributeNames: condition?.names,
    ExpressionAttributeValues:
      condition?.values === undefined
        ? undefined
        : Object.fromEntries(Object.entries(condition.values).map(([k, v]) => [k, toAttribute(v)])),
  };
}

export class CatalogTable {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly #metrics: ApiMetrics;

  constructor(client: DynamoDBClient, tableName: string, metrics: ApiMetrics) {
    this.client = client;
    this.tableName = tableName;
    this.#metrics = metrics;
  }

  async #run<T>(operation: string, call: () => Promise<T>): Promise<T> {
    const started = process.hrtime.bigint();
    let outcome = "ok";
    try {
      return await call();
    } catch (err) {
      const mapped = mapDynamoError(err, operation);
      outcome = mapped instanceof CatalogConflict ? "conflict" : "error";
      throw mapped;
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.#metrics.catalogDuration.observe({ operation, outcome }, seconds);
    }
  }

  async get(key: Key, consistent = true): Promise<Item | undefined> {
    const out = await this.#run("get", () =>
      this.client.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: marshal({ ...key }),
          ConsistentRead: consistent,
        }),
      ),
    );
    return out.Item === undefined ? undefined : unmarshal(out.Item);
  }

  /** Writes the whole item; throws CatalogConflict when `condition` does not hold. */
  async put(item: Item & Key, condition?: Condition): Promise<void> {
    await this.#run("put", () =>
      this.client.send(
        new PutItemCommand({ TableName: this.tableName, Item: marshal(item), ...placeholders(condition) }),
      ),
    );
  }

  async delete(key: Key, condition?: Condition): Promise<void> {
    await this.#run("delete", () =>
      this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: marshal({ ...key }),
          ...placeholders(condition),
        }),
      ),
    );
  }

  async query(input: QueryInput): Promise<QueryPage> {
    const partitionName = input.index === undefined ? "pk" : "gsi1pk";
    const sortName = input.index === undefined ? "sk" : "gsi1sk";
    const params: QueryCommandInput = {
      TableName: this.tableName,
      IndexName: input.index,
      KeyConditionExpression: input.prefix === undefined ? "#p = :p" : "#p = :p AND begins_with(#s, :prefix)",
      ExpressionAttributeNames: {
        "#p": partitionName,
        ...(input.prefix === undefined ? {} : { "#s": sortName }),
      },
      ExpressionAttributeValues: {
        ":p": { S: input.partition },
        ...(input.prefix === undefined ? {} : { ":prefix": { S: input.prefix } }),
      },
      Limit: input.limit,
      ExclusiveStartKey: input.startKey === undefined ? undefined : marshal(input.startKey),
      // a global secondary index is only ever eventually consistent
      ConsistentRead: input.index === undefined ? (input.consistent ?? true) : undefined,
    };
    const out = await this.#run("query", () => this.client.send(new QueryCommand(params)));
    return {
      items: (out.Items ?? []).map(unmarshal),
      lastKey:
        out.LastEvaluatedKey === undefined
          ? undefined
          : (unmarshal(out.LastEvaluatedKey) as Record<string, string>),
    };
  }

  /** Every item of a partition (for deletes of a whole collection). */
  async queryAll(partition: string, prefix?: string): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Record<string, string> | undefined;
    do {
      const page = await this.query({ partition, prefix, startKey });
      items.push(...page.items);
      startKey = page.lastKey;
    } while (startKey !== undefined);
    return items;
  }

  /** Every item whose `type` attribute is `type` (a full scan: for rare maintenance only). */
  async scan(type: string): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await this.#run("scan", () =>
        this.client.send(
          new ScanCommand({
            TableName: this.tableName,
            FilterExpression: "#type = :type",
            ExpressionAttributeNames: { "#type": "type" },
            ExpressionAttributeValues: { ":type": { S: type } },
            ExclusiveStartKey: startKey === undefined ? undefined : marshal(startKey),
          }),
        ),
      );
      items.push(...(out.Items ?? []).map(unmarshal));
      startKey = out.LastEvaluatedKey === undefined ? undefined : unmarshal(out.LastEvaluatedKey);
    } while (startKey !== undefined);
    return items;
  }

  /** Deletes the items, 25 per request, retrying what DynamoDB leaves unprocessed. */
  async deleteMany(keyList: Key[]): Promise<void> {
    for (let i = 0; i < keyList.length; i += 25) {
      let requests = keyList
        .slice(i, i + 25)
        .map((key) => ({ DeleteRequest: { Key: marshal({ pk: key.pk, sk: key.sk }) } }));
      for (let attempt = 0; requests.length > 0; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
        const out: BatchWriteItemCommandOutput = await this.#run("batchDelete", () =>
          this.client.send(new BatchWriteItemCommand({ RequestItems: { [this.tableName]: requests } })),
        );
        requests = (out.UnprocessedItems?.[this.tableName] ?? []) as typeof requests;
        if (attempt > 8 && requests.length > 0)
          throw new DependencyError("CATALOG_UNAVAILABLE", "the catalog keeps refusing deletes", {
            retryAfterSeconds: 1,
          });
      }
    }
  }
}
