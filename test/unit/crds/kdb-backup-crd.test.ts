/**
 * The KdbBackup and KdbScheduledBackup CRDs: checked in (and in the chart) exactly as `make crds`
 * writes them, every field documented, spec immutable, and status with conditions and
 * observedGeneration as KdbDatabase has.
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { kdbBackupSpecSchema, kdbScheduledBackupSpecSchema } from "../../../crds/src/index.js";
import { crdFiles, kdbBackupCrd, kdbScheduledBackupCrd } from "../../../crds/src/manifests.js";

type Schema = { [key: string]: unknown };

function* walk(schema: Schema, path: string): Generator<[string, Schema]> {
  yield [path, schema];
  for (const [name, child] of Object.entries((schema.properties ?? {}) as Record<string, Schema>))
    yield* walk(child, `${path}.${name}`);
  if (schema.items) yield* walk(schema.items as Schema, `${path}[]`);
}

const versionOf = (crd: Schema) =>
  (
    crd.spec as {
      versions: { schema: { openAPIV3Schema: Schema }; additionalPrinterColumns: { jsonPath: string }[] }[];
    }
  ).versions[0]!;

const s3 = { bucket: "guru-backups" };

describe("crds: KdbBackup and KdbScheduledBackup CRDs", () => {
  for (const { file, yaml } of crdFiles()) {
    it(`${file} is checked in, and copied into the chart, as \`make crds\` generates it`, () => {
      assert.ok(readFileSync(file, "utf8") === yaml, `${file} is stale: run \`make crds\``);
      const chartCopy = readFileSync(
        `helm/time-series-guru/files/crds/${file.slice("crds/".length)}`,
        "utf8",
      );
      assert.ok(chartCopy === yaml, `the chart's copy of ${file} is stale: run \`make crds\``);
    });
  }

  for (const [kind, crd] of [
    ["KdbBackup", kdbBackupCrd()],
    ["KdbScheduledBackup", kdbScheduledBackupCrd()],
  ] as const) {
    it(`${kind}: every field documented, status with conditions and observedGeneration`, () => {
      const version = versionOf(crd);
      const properties = version.schema.openAPIV3Schema.properties as Record<string, Schema>;
      const undocumented: string[] = [];
      for (const root of ["spec", "status"])
        for (const [path, node] of walk(properties[root]!, root))
          if (!(path.endsWith("[]") && node.type !== "object") && typeof node.description !== "string")
            undocumented.push(path);
      assert.deepEqual(undocumented, []);
      const status = properties.status!.properties as Record<string, Schema>;
      assert.ok(status.conditions && status.observedGeneration);
      assert.ok(version.additionalPrinterColumns.length >= 4);
    });
  }

  it("KdbBackup: spec immutable (CEL), defaults filled, bad buckets and prefixes refused", () => {
    const spec = (versionOf(kdbBackupCrd()).schema.openAPIV3Schema.properties as Record<string, Schema>)
      .spec!;
    assert.deepEqual(spec["x-kubernetes-validations"], [
      { rule: "self == oldSelf", message: "spec is immutable" },
    ]);
    const parsed = kdbBackupSpecSchema.parse({ database: "trades", s3 });
    assert.equal(parsed.serviceAccountName, "guru-backup");
    assert.equal(parsed.s3.prefix, "");
    assert.equal(parsed.activeDeadlineSeconds, 21_600);
    assert.ok(!kdbBackupSpecSchema.safeParse({ database: "trades", s3: { bucket: "Bad_Bucket" } }).success);
    assert.ok(!kdbBackupSpecSchema.safeParse({ database: "t", s3: { ...s3, prefix: "/abs/" } }).success);
    assert.ok(!kdbBackupSpecSchema.safeParse({ database: "t", s3: { ...s3, prefix: "no-slash" } }).success);
  });

  it("KdbScheduledBackup: a 5-field schedule and keep of at least 1", () => {
    const backup = { database: "trades", s3 };
    assert.equal(kdbScheduledBackupSpecSchema.parse({ schedule: "0 3 * * *", backup }).keep, 7);
    assert.ok(!kdbScheduledBackupSpecSchema.safeParse({ schedule: "0 3 * *", backup }).success);
    assert.ok(!kdbScheduledBackupSpecSchema.safeParse({ schedule: "0 3 * * *", keep: 0, backup }).success);
  });

  it("parses as YAML to the manifests it was generated from", () => {
    assert.deepEqual(parse(readFileSync("crds/kdbbackups.timeseries.guru.yaml", "utf8")), kdbBackupCrd());
  });
});
