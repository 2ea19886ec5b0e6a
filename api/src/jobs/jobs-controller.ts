import { canSeeDatabase } from "../auth/scopes.js";
import { NotFoundError } from "../errors/errors.js";
import { type AnyRoute, route } from "../http/route.js";
import { jobParams, jobSchema } from "./jobs-schemas.js";
import type { JobsStore } from "./jobs-store.js";

export function jobsRoutes(store: JobsStore): AnyRoute[] {
  return [
    route({
      method: "get",
      path: "/v1/jobs/:jobId",
      operationId: "getJob",
      summary: "A job's progress and outcome (any scope on its database)",
      tag: "Jobs",
      params: jobParams,
      responses: { 200: { description: "The job", schema: jobSchema } },
      handler: async ({ principal, params }) => {
        const job = await store.get(principal.accountId, params.jobId);
        if (job === undefined || !canSeeDatabase(principal, job.database))
          throw new NotFoundError("JOB_NOT_FOUND", `no job ${params.jobId}`);
        return { status: 200, body: job };
      },
    }),
  ];
}
