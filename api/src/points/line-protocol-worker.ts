/** A worker thread of the parse pool: runs each job it is posted and posts the result back. */
import { parentPort } from "node:worker_threads";
import { type ParseJob, runParseJob } from "./line-protocol-job.js";

const port = parentPort;
if (port === null) throw new Error("line-protocol-worker runs as a worker thread");

port.on("message", ({ id, job }: { id: number; job: ParseJob }) => {
  try {
    const result = runParseJob(job);
    port.postMessage(
      { id, result },
      result.series.flatMap((s) => transferable(s.columns)),
    );
  } catch (err) {
    port.postMessage({ id, error: (err as Error).stack ?? String(err) });
  }
});

/** A buffer that owns its whole memory can move without a copy; a pooled slice must be copied. */
function transferable(bytes: Uint8Array): ArrayBuffer[] {
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  return whole && bytes.buffer instanceof ArrayBuffer ? [bytes.buffer] : [];
}
