// Disk use of jobs' logs for list results: a total line, and a job's size where it matters.
import type { JobView } from "../core/job/job.js";
import { logDiskBytes } from "../core/output/log-segments.js";
import { formatSize } from "../text/size.js";

/** A job's log is worth mentioning in its list line from this size on. */
export const NOTABLE_LOG_BYTES = 1024 * 1024;

/** Log bytes on disk per job id (output.log plus its rotated part). */
export async function logSizes(jobs: readonly JobView[]): Promise<Map<string, number>> {
  const sizes = await Promise.all(jobs.map(async (job) => [job.id, await logDiskBytes(job.logPath).catch(() => 0)] as const));
  return new Map(sizes);
}

/** The list's last line, e.g. "logs on disk: 12.3 MB (cap 64.0 MB per job)". */
export function formatDiskTotal(sizes: ReadonlyMap<string, number>, capBytes: number): string {
  const total = [...sizes.values()].reduce((sum, bytes) => sum + bytes, 0);
  return `logs on disk: ${formatSize(total)} (cap ${formatSize(capBytes)} per job)`;
}
