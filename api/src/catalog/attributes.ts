/** Plain JSON values to DynamoDB attribute values and back (strings, numbers, booleans, null, lists, maps). */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";

export type Item = Record<string, unknown>;
export type Attributes = Record<string, AttributeValue>;

export function toAttribute(value: unknown): AttributeValue {
  if (value === null) return { NULL: true };
  switch (typeof value) {
    case "string":
      return { S: value };
    case "number":
      if (!Number.isFinite(value)) throw new TypeError(`cannot store the number ${value}`);
      return { N: String(value) };
    case "boolean":
      return { BOOL: value };
    case "object":
      if (Array.isArray(value)) return { L: value.map(toAttribute) };
      return { M: marshal(value as Item) };
    default:
      throw new TypeError(`cannot store a ${typeof value}`);
  }
}

export function fromAttribute(attribute: AttributeValue): unknown {
  if (attribute.S !== undefined) return attribute.S;
  if (attribute.N !== undefined) return Number(attribute.N);
  if (attribute.BOOL !== undefined) return attribute.BOOL;
  if (attribute.NULL !== undefined) return null;
  if (attribute.L !== undefined) return attribute.L.map(fromAttribute);
  if (attribute.M !== undefined) return unmarshal(attribute.M);
  if (attribute.SS !== undefined) return [...attribute.SS];
  if (attribute.NS !== undefined) return attribute.NS.map(Number);
  throw new TypeError(`unsupported attribute type: ${Object.keys(attribute).join(",")}`);
}

/** Object to attribute map; `undefined` members are left out, as JSON.stringify does. */
export function marshal(item: Item): Attributes {
  const out: Attributes = {};
  for (const [name, value] of Object.entries(item)) if (value !== undefined) out[name] = toAttribute(value);
  return out;
}

export function unmarshal(attributes: Attributes): Item {
  const out: Item = {};
  for (const [name, value] of Object.entries(attributes)) out[name] = fromAttribute(value);
  return out;
}
