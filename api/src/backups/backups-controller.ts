import { z } from "zod";
import { databaseParams } from "../databases/databases-schemas.js";
import { type AnyRoute, route } from "../http/route.js";
import { jobSchema } from "../jobs/jobs-schemas.js";
import { named, pageQuerySchema } from "../openapi/registry.js";
import { backupView } from "./backup-views.js";
import { backupPageSchema, backupParams, backupSchema } from "./backups-schemas.js";
import type { BackupsService } from "./backups-service.js";

const TAG = "Backups";

const backupStartedSchema = named(
  "BackupStarted",
  z.object({ backup: backupSchema, job: jobSchema }),
  "A backup just started: the backup (status running) and the job copying it.",
);

export function backupsRoutes(service: BackupsService): AnyRoute[] {
  return [
    route({
      method: "post",
      path: "/v1/databases/:db/backups",
      operationId: "createBackup",
      summary: "Back up a ready database: a consistent snapshot, copied as a job (account:admin)",
      description:
        "Answers 202 at once with the backup (status running) and its job; follow the job (files and bytes done) or the backup until it succeeded or failed. Writes continue meanwhile; the backup holds every write acknowledged before `coversWritesBefore`.",
      tag: TAG,
      params: databaseParams,
      responses: {
        202: {
          description: "Accepted: the backup is running",
          schema: backupStartedSchema,
          headers: { Location: "the backup, to poll" },
        },
      },
      handler: async ({ principal, params }) => {
        const { backup, job } = await service.start(principal, params.db);
        return {
          status: 202,
          body: { backup: backupView(backup), job },
          headers: { Location: `/v1/databases/${params.db}/backups/${backup.id}` },
        };
      },
    }),
    route({
      method: "get",
      path: "/v1/databases/:db/backups",
      operationId: "listBackups",
      summary: "List a database's backups, also after the database was deleted (account:admin)",
      tag: TAG,
      params: databaseParams,
      query: pageQuerySchema,
      responses: { 200: { description: "A page of backups, oldest first", schema: backupPageSchema } },
      handler: async ({ principal, params, query }) => ({
        status: 200,
        body: await service.list(principal, params.db, query.limit, query.cursor),
      }),
    }),
    route({
      method: "get",
      path: "/v1/databases/:db/backups/:backupId",
      operationId: "getBackup",
      summary: "A backup: status, size, time range, engine, checksum (account:admin)",
      tag: TAG,
      params: backupParams,
      responses: { 200: { description: "The backup", schema: backupSchema } },
      handler: async ({ principal, params }) => ({
        status: 200,
        body: backupView(await service.get(principal, params.db, params.backupId)),
      }),
    }),
    route({
      method: "delete",
      path: "/v1/databases/:db/backups/:backupId",
      operationId: "deleteBackup",
      summary: "Delete a backup that is not running, and its stored files (account:admin)",
      tag: TAG,
      params: backupParams,
      responses: { 204: { description: "Deleted" } },
      handler: async ({ principal, params }) => {
        await service.delete(principal, params.db, params.backupId);
        return { status: 204 };
      },
    }),
  ];
}
