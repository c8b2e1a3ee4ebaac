// A tracked job's output as the rest of the core needs it: its log tail loaded once, and the wait
// for the wrapper's end marker (the last of the job's output) to reach the log.
import { promises as fs } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import type { Job } from "../job/job.js";

const RESUME_TAIL_BYTES = 2 * 1024 * 1024;
const FINISHED_TAIL_BYTES = 256 * 1024;
/** Longest wait for the end of a job's output while its log keeps growing. */
const OUTPUT_END_WAIT_MS = 30_000;

/** Reads the job's log tail into its ring once (more of it for a running job), from its notify cursor on. */
export function ensureLoaded(job: Job): Promise<void> {
  job.loaded ??= (async () => {
    await job.beforeLoad?.();
    const cursor = Number.parseInt(await fs.readFile(job.paths.notifyCursor, "utf8").catch(() => ""), 10);
    await job.tailer.resume(job.isActive ? RESUME_TAIL_BYTES : FINISHED_TAIL_BYTES, Number.isNaN(cursor) ? undefined : cursor);
  })();
  return job.loaded;
}

/**
 * Waits for the job's end marker in the log: `timeoutMs`, and beyond it while the log still
 * grows or `stillWriting` says output is on its way (at most OUTPUT_END_WAIT_MS). A flood through
 * the capped writer was measured 24k lines behind when exit.json appeared; a final status given
 * then hid the end of the output. Quiet alone is not enough: with the CPU busy (tests side by side)
 * the writer chain stalled for over a second with the last 100k+ lines still in it (2/3 trials).
 */
export async function waitForExitMarker(job: Job, timeoutMs: number, stillWriting?: () => Promise<boolean>): Promise<void> {
  const start = Date.now();
  let quietSince = start;
  let seen = job.tailer.bytesRead;
  await job.tailer.read();
  while (!job.tailer.exitMarkerSeen) {
    const now = Date.now();
    if (job.tailer.bytesRead !== seen) {
      seen = job.tailer.bytesRead;
      quietSince = now;
    }
    if (now - start >= OUTPUT_END_WAIT_MS) return;
    if (now - start >= timeoutMs && now - quietSince >= timeoutMs) {
      if (!(await stillWriting?.().catch(() => false))) return;
      quietSince = now;
    }
    await sleep(20);
    await job.tailer.read();
  }
}
