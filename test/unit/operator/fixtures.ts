import {
  KDB_API_VERSION,
  KDB_KIND,
  type KdbDatabase,
  type KdbDatabaseSpecInput,
  kdbDatabaseSpecSchema,
} from "../../../crds/src/index.js";

/** A KdbDatabase as the API server returns it: spec defaulted, uid and generation set. */
export function database(spec: KdbDatabaseSpecInput, name = "trades", namespace = "markets"): KdbDatabase {
  return {
    apiVersion: KDB_API_VERSION,
    kind: KDB_KIND,
    metadata: {
      name,
      namespace,
      uid: "0b7c1d2e-0000-4000-8000-000000000001",
      generation: 3,
      resourceVersion: "42",
    },
    spec: kdbDatabaseSpecSchema.parse(spec),
  };
}

export const OWNER = [
  {
    apiVersion: "timeseries.guru/v1alpha1",
    kind: "KdbDatabase",
    name: "trades",
    uid: "0b7c1d2e-0000-4000-8000-000000000001",
    controller: true,
    blockOwnerDeletion: true,
  },
];

export const LABELS = {
  "app.kubernetes.io/name": "kdb-database",
  "app.kubernetes.io/instance": "trades",
  "app.kubernetes.io/component": "database",
  "app.kubernetes.io/managed-by": "guru-operator",
  "app.kubernetes.io/part-of": "time-series-guru",
  "timeseries.guru/database": "trades",
  "timeseries.guru/engine": "guru-engine",
};
