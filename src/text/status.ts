// A job's status as a phrase, shared by the plugin's results and the CLI: the status with its
// reason, processes that outlived their handle, and what a kill could not do.
import type { JobView } from "../core/job/job.js";
import type { KillReport } from "../core/manager.js";
import { truncate } from "./truncate.js";

/** "completed (exit 0)", "failed: exited with code 2", "running": status with its reason. */
export function formatStatus(job: JobView): string {
  if (job.status === "completed") return "completed (exit 0)";
  if (job.status === "failed" || job.status === "cancelled") return job.error ? `${job.status}: ${job.error}` : job.status;
  return job.logProblem ? `${job.status} (${job.logProblem})` : job.status;
}

/**
 * Processes that lost their handle, said where a job is listed (issue 8 item 6): "folder deleted",
 * "stray: its folder is gone, 2 processes", "2 processes still running"; "" when there is nothing to say.
 */
export function formatHandleNote(job: Pick<JobView, "status" | "detached" | "processesLeft">): string {
  const left = job.processesLeft ?? 0;
  const count = `${left} process${left === 1 ? "" : "es"}`;
  if (job.detached === "stray") return job.status === "running" ? `stray: its folder is gone, ${count}; kill ends them` : "stray: its folder is gone";
  const notes: string[] = [];
  if (job.detached === "folder-deleted") notes.push("folder deleted");
  if (left > 0 && job.status !== "running" && job.status !== "pending") notes.push(`${count} still running; kill ends them`);
  return notes.join(", ");
}

/**
 * What a kill could not do, said plainly: "1 process survived: pid 4242 (sleep 300)" and
 * "could not record cancel.json: ENOSPC ...". Empty when everything went well.
 */
export function formatKillProblems(report: Pick<KillReport, "survivors" | "recordErrors">): string[] {
  const problems: string[] = [];
  const survivors = report.survivors ?? [];
  if (survivors.length > 0) {
    const list = survivors.slice(0, 5).map((p) => `pid ${p.pid} (${truncate(p.command, 80)})`).join(", ");
    const more = survivors.length > 5 ? ` and ${survivors.length - 5} more` : "";
    problems.push(`${survivors.length} process${survivors.length === 1 ? "" : "es"} survived: ${list}${more}`);
  }
  for (const error of report.recordErrors ?? []) problems.push(`could not record ${truncate(error, 200)} (the kill went on)`);
  return problems;
}

