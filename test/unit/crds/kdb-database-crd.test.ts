/**
 * The KdbDatabase CRD: the checked-in YAML is what `make crds` writes from the zod schema, every
 * schema field is documented (kubectl explain is the manual), the schema is structural, and the
 * examples are valid.
 */
import { strict as assert } from "node:assert";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse, parseAllDocuments } from "yaml";
import {
  CRD_FILE,
  isValidDatabaseName,
  KDB_API_VERSION,
  KDB_KIND,
  kdbDatabaseCrd,
  kdbDatabaseCrdYaml,
  kdbDatabaseSpecSchema,
  MAX_NAME_LENGTH,
} from "../../../crds/src/index.js";

type Schema = { [key: string]: unknown };

/** Every (path, schema) pair under a schema, properties and items included. */
function* walk(schema: Schema, path: string): Generator<[string, Schema]> {
  yield [path, schema];
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  for (const [name, child] of Object.entries(properties)) yield* walk(child, `${path}.${name}`);
  if (schema.items) yield* walk(schema.items as Schema, `${path}[]`);
  if (schema.additionalProperties && typeof schema.additionalProperties === "object")
    yield* walk(schema.additionalProperties as Schema, `${path}{}`);
}

const openApi = () => {
  const version = (kdbDatabaseCrd().spec as { versions: { schema: { openAPIV3Schema: Schema } }[] })
    .versions[0]!;
  return version.schema.openAPIV3Schema;
};

describe("crds: KdbDatabase CRD", () => {
  it("is checked in exactly as `make crds` generates it", () => {
    const checkedIn = readFileSync(CRD_FILE, "utf8");
    assert.ok(
      checkedIn === kdbDatabaseCrdYaml(),
      `${CRD_FILE} is stale: run \`make crds\` and commit the result`,
    );
    assert.deepEqual(parse(checkedIn), kdbDatabaseCrd());
  });

  it("documents every field of spec and status", () => {
    const schema = openApi();
    const properties = schema.properties as Record<string, Schema>;
    const undocumented: string[] = [];
    for (const root of ["spec", "status"]) {
      for (const [path, node] of walk(properties[root]!, root)) {
        // list items and map values are documented by their field
        if (path.endsWith("[]") && node.type !== "object") continue;
        if (path.endsWith("{}")) continue;
        if (typeof node.description !== "string" || node.description.length < 8) undocumented.push(path);
      }
    }
    assert.deepEqual(undocumented, []);
  });

  it("is a structural schema: one type per node, no additionalProperties beside properties", () => {
    for (const [path, node] of walk(openApi(), "")) {
      if (node["x-kubernetes-int-or-string"] === true) {
        assert.deepEqual(node.anyOf, [{ type: "integer" }, { type: "string" }], path);
        continue;
      }
      assert.equal(typeof node.type, "string", `${path} has no type`);
      assert.ok(!(node.properties && node.additionalProperties !== undefined), `${path}`);
      for (const forbidden of ["$schema", "propertyNames", "oneOf", "$ref", "nullable"])
        assert.ok(!(forbidden in node), `${path} has ${forbidden}`);
    }
  });

  it("declares the CEL rules: stripes and storage class immutable, size only grows", () => {
    const storage = (
      (openApi().properties as Record<string, Schema>).spec!.properties as Record<string, Schema>
    ).storage!.properties as Record<string, Schema>;
    const rules = (field: string) =>
      ((storage[field]!["x-kubernetes-validations"] ?? []) as { rule: string }[]).map((r) => r.rule);
    assert.deepEqual(rules("stripes"), ["self == oldSelf"]);
    assert.deepEqual(rules("storageClassName"), ["self == oldSelf"]);
    assert.ok(rules("size").includes("!quantity(self).isLessThan(quantity(oldSelf))"));
  });

  it("has a status subresource, printer columns and a short name", () => {
    const spec = kdbDatabaseCrd().spec as {
      names: { shortNames: string[] };
      versions: { subresources: unknown; additionalPrinterColumns: { name: string }[] }[];
    };
    assert.ok(spec.names.shortNames.includes("kdb"));
    assert.deepEqual(spec.versions[0]!.subresources, { status: {} });
    assert.deepEqual(
      spec.versions[0]!.additionalPrinterColumns.map((c) => c.name),
      ["Phase", "Engine", "Stripes", "Size", "Endpoint", "Age"],
    );
  });

  it("parses every example in crds/examples/ with the schema", () => {
    const files = readdirSync("crds/examples").filter((f) => f.endsWith(".yaml"));
    assert.ok(files.length >= 3);
    for (const file of files) {
      for (const doc of parseAllDocuments(readFileSync(join("crds/examples", file), "utf8"))) {
        const object = doc.toJS() as {
          apiVersion: string;
          kind: string;
          metadata: { name: string };
          spec: unknown;
        };
        assert.equal(object.apiVersion, KDB_API_VERSION, file);
        assert.equal(object.kind, KDB_KIND, file);
        assert.ok(isValidDatabaseName(object.metadata.name), file);
        const parsed = kdbDatabaseSpecSchema.safeParse(object.spec);
        assert.ok(parsed.success, `${file}: ${parsed.error?.message}`);
      }
    }
  });

  it("defaults what a client leaves out", () => {
    const spec = kdbDatabaseSpecSchema.parse({ storage: { stripes: 2, size: "10Gi" } });
    assert.deepEqual(spec, {
      engine: "guru-engine",
      compute: { allowEviction: false },
      storage: { stripes: 2, size: "10Gi", storageClassName: "gp3", reclaimPolicy: "Retain" },
      settings: { timeoutSeconds: 30, maxRows: 1_000_000, savedownSeconds: 300 },
      paused: false,
      hibernate: false,
    });
  });

  it("limits names so every child name stays a valid label value", () => {
    assert.ok(isValidDatabaseName("a".repeat(MAX_NAME_LENGTH)));
    assert.ok(!isValidDatabaseName("a".repeat(MAX_NAME_LENGTH + 1)));
    assert.ok(!isValidDatabaseName("1trades"));
    assert.ok(!isValidDatabaseName("trades-"));
  });
});
