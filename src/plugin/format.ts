// Job views as compact text a model reads well: ids first, one line per job, times as
// durations, no terminal escapes (the core already cleaned the output).
import type { JobView } from "../core/job/job.js";
import type { KillReport, OutputRead } from "../core/manager.js";
import { formatSize, NOTABLE_LOG_BYTES } from "./disk-usage.js";

/** "12s", "4m05s", "2h03m": how long a job has run (or ran). */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, "0")}s`;
  const hours = Math.floor(minutes / 60);
  return `${hours}h${String(minutes % 60).padStart(2, "0")}m`;
}

export function runtimeOf(job: JobView, now = Date.now()): number {
  if (!job.startedAt) return 0;
  return (job.endedAt ?? now) - job.startedAt;
}

/** "completed (exit 0)", "failed: exited with code 2", "running": status with its reason. */
export function formatStatus(job: JobView): string {
  if (job.status === "completed") return "completed (exit 0)";
  if (job.status === "failed" || job.status === "cancelled") return job.error ? `${job.status}: ${job.error}` : job.status;
  return job.logProblem ? `${job.status} (${job.logProblem})` : job.status;
}

/** One line per job for list results; `logBytes` is shown when the log is large, `ports` (":5173") as given. */
export function formatJobLine(job: JobView, now = Date.now(), logBytes?: number, ports = ""): string {
  const tags = job.tags.length ? ` [${job.tags.join(",")}]` : "";
  const scope = `${job.scope === "global" ? " global" : ""}${job.restarts ? ` restarts=${job.restarts}` : ""}${logBytes !== undefined && logBytes >= NOTABLE_LOG_BYTES ? ` log=${formatSize(logBytes).replace(" ", "")}` : ""}`;
  const last = job.lastLine ? ` | ${truncate(job.lastLine, 120)}` : "";
  const handle = formatHandleNote(job);
  return `${job.id} ${job.logProblem ? formatStatus(job) : job.status}${job.inputWait ? " ⌨input" : ""}${handle ? ` (${handle})` : ""} ${formatDuration(runtimeOf(job, now))} "${truncate(job.name, 60)}"${tags}${scope}${ports ? ` ${ports}` : ""}${last}`;
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

/** Details of one job: every field a model may need, then its output. */
export function formatJobDetails(job: JobView, attach: string, output?: OutputRead, now = Date.now()): string {
  const lines = [
    `id: ${job.id}`,
    `name: ${job.name}`,
    `status: ${formatStatus(job)}`,
    ...(formatHandleNote(job) ? [`processes: ${formatHandleNote(job)}`] : []),
    `command: ${truncate(job.command, 500)}`,
    `cwd: ${job.cwd}`,
    `scope: ${job.scope}${job.sessionId ? ` (session ${job.sessionId})` : ""}`,
    ...(job.tags.length ? [`tags: ${job.tags.join(", ")}`] : []),
    ...(job.pid ? [`pid: ${job.pid}`] : []),
    `started: ${job.startedAt ? new Date(job.startedAt).toISOString() : "not yet"}`,
    ...(job.endedAt ? [`ended: ${new Date(job.endedAt).toISOString()}`] : []),
    `runtime: ${formatDuration(runtimeOf(job, now))}`,
    ...(job.exitCode !== undefined ? [`exit code: ${job.exitCode}${job.signal ? ` (${job.signal})` : ""}`] : []),
    `attach: ${attach}`,
    `log file: ${job.logPath}`,
    ...formatRestarts(job),
    ...(job.notifyOnExit ? ["notify on exit: yes"] : []),
  ];
  if (output) lines.push(...formatOutput(output));
  return lines.join("\n");
}

/** "restarts: 2 (on-failure: 1 of 5 automatic restarts used)": nothing for a job never restarted without a policy. */
export function formatRestarts(job: JobView): string[] {
  const policy = job.restartPolicy ? ` (on-failure: ${job.automaticRestarts} of ${job.restartPolicy.maxRestarts} automatic restarts used)` : "";
  return job.restarts || policy ? [`restarts: ${job.restarts}${policy}`] : [];
}

/** The output block: numbered range, lines, and the unfinished last line if any. */
export function formatOutput(output: OutputRead): string[] {
  const { lines, pending } = output;
  if (lines.length === 0 && !pending) return ["output: (none yet)"];
  const first = lines[0]?.no;
  const last = lines.at(-1)?.no;
  const header = first !== undefined ? `output (lines ${first}-${last}, next read since=${output.next}):` : "output:";
  return [header, ...lines.map((line) => line.text), ...(pending ? [`${pending}  <- no newline yet (waiting for input?)`] : [])];
}

export function formatKillReports(reports: readonly KillReport[]): string {
  if (reports.length === 0) return "No matching background processes: nothing was killed.";
  return reports
    .map((report) => {
      const tail = formatKillProblems(report).map((problem) => `; ${problem}`).join("");
      if (report.previousStatus !== "running" && report.previousStatus !== "pending") {
        return `${report.id} "${report.name}" had already ${report.status}${report.signalled ? `; ended ${report.signalled} leftover process(es)` : ""}; window closed${tail}`;
      }
      const forced = report.forced ? `, ${report.forced} needed SIGKILL` : "";
      return `${report.id} "${report.name}" ${report.status} (${report.signalled} process(es) signalled${forced})${tail}`;
    })
    .join("\n");
}

/**
 * What a kill could not do, said plainly: "1 process survived: pid 4242 (sleep 300)" and
 * "could not record cancel.json: ENOSPC ...". Empty when everything went well. (CLI too.)
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

export function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The attach command as one line a person can paste (every part is shell-safe by construction). */
export function formatAttach(argv: readonly string[]): string {
  return argv.join(" ");
}
