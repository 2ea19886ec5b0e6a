/**
 * The KdbDatabase CRD: the checked-in YAML is what `make crds` writes from the zod schema, every
 * schema field is documented (kubectl explain is the manual), the schema is structural, and the
 * examples are valid.
 */
import { strict as assert } from "node:assert";
import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { parse, parseAllDocuments } from "yaml";
import {
  isValidDatabaseName,
  KDB_API_VERSION,
  KDB_KIND,
  kdbDatabaseSpecSchema,
  MAX_NAME_LENGTH,
  QUANTITY_PATTERN,
} from "../../../crds/src/index.js";
import {
  admissionPolicies,
  admissionPoliciesYaml,
  CRD_FILE,
  kdbDatabaseCrd,
  kdbDatabaseCrdYaml,
  POLICIES_FILE,
} from "../../../crds/src/manifests.js";

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
      ["Phase", "Ready", "Engine", "Stripes", "Size", "Endpoint", "Age"],
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
      deletionProtection: false,
    });
  });

  it("accepts every Kubernetes quantity form as a Pod does, and refuses what is none", () => {
    const accepts = (cpu: string | number) =>
      kdbDatabaseSpecSchema.safeParse({
        storage: { stripes: 1, size: "1Gi" },
        compute: { resources: { requests: { cpu } } },
      }).success;
    for (const form of ["3500m", "0.5", ".5", "1.5Gi", "2e3", "1E-3", "+1", "4", 2, 0])
      assert.ok(accepts(form), String(form));
    for (const form of ["abc", "1.5 Gi", "Gi", "1GB", "", 1.5, -1]) assert.ok(!accepts(form), String(form));
    assert.match("3500m", QUANTITY_PATTERN);
  });

  it("refuses requests above limits and negative quantities with CEL rules", () => {
    const compute = (openApi().properties as Record<string, Schema>).spec!.properties as Record<
      string,
      Schema
    >;
    const resources = (compute.compute!.properties as Record<string, Schema>).resources!;
    const messages = ((resources["x-kubernetes-validations"] ?? []) as { message: string }[]).map(
      (r) => r.message,
    );
    assert.deepEqual(messages, [
      "compute.resources.requests.cpu must not exceed limits.cpu",
      "compute.resources.requests.memory must not exceed limits.memory",
    ]);
  });

  it("validates the image as a container image reference", () => {
    const accepts = (image: string) =>
      kdbDatabaseSpecSchema.safeParse({ storage: { stripes: 1, size: "1Gi" }, image }).success;
    for (const image of [
      "guru-engine",
      "ghcr.io/time-series-guru/guru-engine:0.1.0",
      "registry.example:5000/a/b_c:1.0",
      `ghcr.io/x/y@sha256:${"a".repeat(64)}`,
    ])
      assert.ok(accepts(image), image);
    for (const image of ["Not An Image!", "ghcr.io/X/y", "a:b:c", "image:", "/image", ""])
      assert.ok(!accepts(image), image);
  });

  it("has the admission policies checked in as `make crds` generates them, in the chart too", () => {
    assert.equal(readFileSync(POLICIES_FILE, "utf8"), admissionPoliciesYaml(), "stale: run `make crds`");
    assert.equal(
      readFileSync(join("helm/time-series-guru/files/crds", basename(POLICIES_FILE)), "utf8"),
      admissionPoliciesYaml(),
      "stale chart copy: run `make crds`",
    );
    const kinds = admissionPolicies().map((m) => m.kind);
    assert.deepEqual(kinds, [
      "MutatingAdmissionPolicy",
      "MutatingAdmissionPolicyBinding",
      "ValidatingAdmissionPolicy",
      "ValidatingAdmissionPolicyBinding",
    ]);
  });

  it("limits names so every child name stays a valid label value", () => {
    assert.ok(isValidDatabaseName("a".repeat(MAX_NAME_LENGTH)));
    assert.ok(!isValidDatabaseName("a".repeat(MAX_NAME_LENGTH + 1)));
    assert.ok(!isValidDatabaseName("1trades"));
    assert.ok(!isValidDatabaseName("trades-"));
  });
});
