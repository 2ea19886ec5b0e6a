/**
 * A child the API server refuses as invalid (HTTP 422) was built from a spec the CRD admits but
 * Kubernetes does not (a toleration with operator Exists and a value, a node label key that is
 * not a label key, ...). Retrying cannot help until the spec changes, so the reconcile reports
 * it (Degraded, reason InvalidSpec, the API server's message) instead of failing.
 */
import { apiErrorMessage, isApiError } from "../kube/api-error.js";

export class InvalidSpecError extends Error {
  constructor(kind: string, name: string | undefined, cause: unknown) {
    super(`The API server refused ${kind} ${name ?? ""} built from this spec: ${apiErrorMessage(cause)}`, {
      cause,
    });
    this.name = "InvalidSpecError";
  }
}

/** Whether the API server refused an object as invalid: its content, not the moment, is at fault. */
export function isInvalid(err: unknown): boolean {
  return isApiError(err, 422);
}
