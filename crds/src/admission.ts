/**
 * Admission policies that belong with the KdbDatabase CRD, run by the API server itself (CEL, no
 * webhook to deploy or keep alive):
 * - a MutatingAdmissionPolicy that turns a fractional number quantity (`cpu: 0.5`) into the
 *   string "0.5": an int-or-string field cannot hold a JSON float, and Pods accept one, so users
 *   write it (admissionregistration.k8s.io/v1, Kubernetes 1.36 and later);
 * - a ValidatingAdmissionPolicy that refuses to delete a database with
 *   `spec.deletionProtection: true` (admissionregistration.k8s.io/v1, Kubernetes 1.30 and later).
 * `make crds` writes them to crds/kdbdatabases.timeseries.guru.policies.yaml and the chart's copy.
 */
import { stringify } from "yaml";
import { KDB_CRD_NAME, KDB_GROUP, KDB_PLURAL } from "./kdb-database.js";

type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  [key: string]: unknown;
};

/** The file `make crds` writes, relative to the repository root. */
export const POLICIES_FILE = `crds/${KDB_CRD_NAME}.policies.yaml`;
export const FRACTIONAL_QUANTITIES_POLICY = `${KDB_CRD_NAME}-fractional-quantities`;
export const DELETION_PROTECTION_POLICY = `${KDB_CRD_NAME}-deletion-protection`;
const API_VERSION = "admissionregistration.k8s.io/v1";
const LABELS = { "app.kubernetes.io/part-of": "time-series-guru" };

const matchDatabases = (operations: string[]) => ({
  resourceRules: [{ apiGroups: [KDB_GROUP], apiVersions: ["*"], operations, resources: [KDB_PLURAL] }],
});

/** A JSON patch replacing `compute.resources.<list>.<resource>` by its string when it is a double. */
function quantityToString(list: "requests" | "limits", resource: "cpu" | "memory") {
  const path = ["object.spec", "compute", "resources", list, resource];
  const present = path.slice(1).map((_, i) => `has(${path.slice(0, i + 2).join(".")})`);
  const field = path.join(".");
  return {
    patchType: "JSONPatch",
    jsonPatch: {
      expression:
        `${present.join(" && ")} && type(${field}) == double ? ` +
        `[JSONPatch{op: "replace", path: "/spec/compute/resources/${list}/${resource}", value: string(${field})}] : []`,
    },
  };
}

export function fractionalQuantitiesPolicy(): Manifest[] {
  return [
    {
      apiVersion: API_VERSION,
      kind: "MutatingAdmissionPolicy",
      metadata: { name: FRACTIONAL_QUANTITIES_POLICY, labels: LABELS },
      spec: {
        matchConstraints: matchDatabases(["CREATE", "UPDATE"]),
        failurePolicy: "Fail",
        reinvocationPolicy: "Never",
        mutations: [
          quantityToString("requests", "cpu"),
          quantityToString("requests", "memory"),
          quantityToString("limits", "cpu"),
          quantityToString("limits", "memory"),
        ],
      },
    },
    {
      apiVersion: API_VERSION,
      kind: "MutatingAdmissionPolicyBinding",
      metadata: { name: FRACTIONAL_QUANTITIES_POLICY, labels: LABELS },
      spec: { policyName: FRACTIONAL_QUANTITIES_POLICY },
    },
  ];
}

export function deletionProtectionPolicy(): Manifest[] {
  return [
    {
      apiVersion: API_VERSION,
      kind: "ValidatingAdmissionPolicy",
      metadata: { name: DELETION_PROTECTION_POLICY, labels: LABELS },
      spec: {
        failurePolicy: "Fail",
        matchConstraints: matchDatabases(["DELETE"]),
        validations: [
          {
            // on DELETE the object being deleted is oldObject
            expression:
              "!has(oldObject.spec.deletionProtection) || oldObject.spec.deletionProtection != true",
            messageExpression:
              "'KdbDatabase ' + oldObject.metadata.name + ' has spec.deletionProtection: true; " +
              "set it to false before deleting it'",
            reason: "Forbidden",
          },
        ],
      },
    },
    {
      apiVersion: API_VERSION,
      kind: "ValidatingAdmissionPolicyBinding",
      metadata: { name: DELETION_PROTECTION_POLICY, labels: LABELS },
      spec: { policyName: DELETION_PROTECTION_POLICY, validationActions: ["Deny"] },
    },
  ];
}

export function admissionPolicies(): Manifest[] {
  return [...fractionalQuantitiesPolicy(), ...deletionProtectionPolicy()];
}

/** The checked-in YAML, byte for byte. */
export function admissionPoliciesYaml(): string {
  const header = [
    "# Generated from crds/src/admission.ts by `make crds`. Do not edit.",
    "# Install or upgrade with the CRD: kubectl apply --server-side -f crds/ (the chart ships them too)",
  ].join("\n");
  return `${header}\n${admissionPolicies()
    .map((m) => stringify(m, { lineWidth: 0 }))
    .join("---\n")}`;
}
