/**
 * The chart's files that need no helm: the CRD copy is the generated CRD, every value is
 * documented and in the schema, and README.md's values table is what values.yaml gives
 * (helm lint/template/install run in test/e2e/chart.test.ts).
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { parse } from "yaml";
import { CRD_FILE, POLICIES_FILE } from "../../crds/src/manifests.js";
import { operatorConfig } from "../../operator/src/config.js";
import { CHART_DIR, renderReadme, valueDocs } from "../../scripts/chart-readme.js";

const read = (file: string) => readFileSync(join(CHART_DIR, file), "utf8");
const valuesYaml = read("values.yaml");

interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: boolean | SchemaNode;
}

describe("chart: files", () => {
  it("carries the generated KdbDatabase CRD byte for byte (make crds copies it)", () => {
    assert.equal(
      read("files/crds/kdbdatabases.timeseries.guru.yaml"),
      readFileSync(CRD_FILE, "utf8"),
      "stale chart copy of the CRD: run `make crds`",
    );
  });

  it("renders the CRD from that copy behind crds.install, kept on uninstall", () => {
    const template = read("templates/crds/kdbdatabases.yaml");
    assert.match(template, /\{\{- if \.Values\.crds\.install \}\}/);
    assert.match(template, /\.Files\.Get "files\/crds\/kdbdatabases\.timeseries\.guru\.yaml"/);
    assert.match(template, /include "tsg\.kept"/);
    assert.match(read("templates/_helpers.tpl"), /helm\.sh\/resource-policy: keep/);
    // left to kubectl once applied with it (docs/install.md)
    assert.match(template, /include "tsg\.chartApplies"/);
  });

  it("carries the CRD's admission policies as `make crds` generates them, rendered as the CRD", () => {
    assert.equal(
      read(`files/crds/${basename(POLICIES_FILE)}`),
      readFileSync(POLICIES_FILE, "utf8"),
      "stale chart copy of the admission policies: run `make crds`",
    );
    const template = read("templates/crds/admission-policies.yaml");
    assert.match(template, /\{\{- if \.Values\.crds\.install \}\}/);
    assert.match(template, /Capabilities\.APIVersions\.Has/);
    assert.match(template, /include "tsg\.chartApplies"/);
    assert.match(template, /include "tsg\.kept"/);
  });

  it("documents every value with a `# --` comment", () => {
    const undocumented = valueDocs(valuesYaml)
      .filter((d) => d.description === undefined && d.inlineDefault !== undefined)
      .map((d) => d.key);
    assert.deepEqual(undocumented, []);
    // sections without a comment of their own must hold documented keys
    const docs = valueDocs(valuesYaml);
    for (const section of docs.filter((d) => d.description === undefined))
      assert.ok(
        docs.some((d) => d.key.startsWith(`${section.key}.`) && d.description),
        section.key,
      );
  });

  it("has every documented key in values.schema.json, and the schema no key values.yaml lacks", () => {
    const schema = JSON.parse(read("values.schema.json")) as SchemaNode;
    const values = parse(valuesYaml) as Record<string, unknown>;
    const lookup = (key: string) =>
      key.split(".").reduce<SchemaNode | undefined>((node, part) => node?.properties?.[part], schema);
    for (const doc of valueDocs(valuesYaml))
      assert.ok(lookup(doc.key), `${doc.key} is not in values.schema.json`);
    const walk = (node: SchemaNode, value: unknown, path: string[]) => {
      if (node.type !== "object" || node.additionalProperties !== false || !node.properties) return;
      for (const [key, child] of Object.entries(node.properties)) {
        if (path.length === 0 && key === "global") continue;
        const v = (value as Record<string, unknown> | undefined)?.[key];
        assert.ok(
          v !== undefined,
          `values.schema.json has ${[...path, key].join(".")}, values.yaml does not`,
        );
        walk(child, v, [...path, key]);
      }
    };
    walk(schema, values, []);
  });

  it("has README.md's values table in sync with values.yaml (make chart-readme)", () => {
    const readme = read("README.md");
    assert.equal(readme, renderReadme(readme, valuesYaml), "stale values table: run `make chart-readme`");
    for (const key of Object.keys(parse(valuesYaml) as object))
      assert.match(readme, new RegExp(`\`${key}[.\`]`));
  });

  it("appVersion matches package.json and the operator's default images", () => {
    const chart = parse(read("Chart.yaml")) as { apiVersion: string; appVersion: string };
    const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };
    assert.equal(chart.apiVersion, "v2");
    assert.equal(chart.appVersion, pkg.version);
    const defaults = operatorConfig();
    assert.ok(
      defaults.guruEngineImage.endsWith(`/guru-engine:${chart.appVersion}`),
      defaults.guruEngineImage,
    );
    assert.ok(defaults.kdbImage.endsWith(`/guru-kdb:${chart.appVersion}`), defaults.kdbImage);
  });
});
