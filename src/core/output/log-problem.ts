// What to say when a job's log writer could not write (it left log-write-failed, see log-cap.ts):
// on a full file system "disk full", otherwise the plain fact. Status text, beside "running".
import { promises as fs } from "node:fs";
import path from "node:path";
import { LOG_FAILED_NAME } from "./log-cap.js";

export const DISK_FULL_PROBLEM = "disk full: output is no longer recorded";
export const WRITE_FAILED_PROBLEM = "output is no longer recorded: its log file could not be written";

/** The problem with a job's log right now, or undefined while it is written. One stat in the usual case. */
export async function logProblem(jobDir: string, logPath: string): Promise<string | undefined> {
  const failed = await fs.stat(path.join(jobDir, LOG_FAILED_NAME)).catch(() => undefined);
  if (!failed) return undefined;
  // The marker goes only when a whole chunk was written; a log written after it means writing works again.
  const log = await fs.stat(logPath).catch(() => undefined);
  if (log && log.mtimeMs > failed.mtimeMs) return undefined;
  return (await isDiskFull(jobDir)) ? DISK_FULL_PROBLEM : WRITE_FAILED_PROBLEM;
}

/** True when the file system holding `dir` has no block left for us; false if unknown. */
async function isDiskFull(dir: string): Promise<boolean> {
  // Node 20 and Bun both have statfs; guarded anyway, as it is only used for wording.
  if (typeof fs.statfs !== "function") return false;
  const stats = await fs.statfs(dir).catch(() => undefined);
  return stats !== undefined && stats.bavail * stats.bsize < 64 * 1024;
}
