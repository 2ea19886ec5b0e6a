/** The request option of a server-side apply, for the resources the API writes (KdbDatabase, KdbBackup). */
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";

export const serverSideApply = setHeaderOptions("Content-Type", PatchStrategy.ServerSideApply);
