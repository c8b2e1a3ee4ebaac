// Job views as compact text a model reads well: ids first, one line per job, times as
// durations, no terminal escapes (the core already cleaned the output).
import type { JobView } from "../core/job/job.js";
import type { KillReport, OutputRead } from "../core/manager.js";
import { formatDuration, runtimeOf } from "../text/duration.js";
import { formatSize } from "../text/size.js";
import { formatHandleNote, formatKillProblems, formatStatus } from "../text/status.js";
import { truncate } from "../text/truncate.js";
import { NOTABLE_LOG_BYTES } from "./disk-usage.js";

/** One line per job for list results; `logBytes` is shown when the log is large, `ports` (":5173") as given. */
export function formatJobLine(job: JobView, now = Date.now(), logBytes?: number, ports = ""): string {
  const tags = job.tags.length ? ` [${job.tags.join(",")}]` : "";
  const scope = `${job.scope === "global" ? " global" : ""}${job.restarts ? ` restarts=${job.restarts}` : ""}${logBytes !== undefined && logBytes >= NOTABLE_LOG_BYTES ? ` log=${formatSize(logBytes).replace(" ", "")}` : ""}`;
  const last = job.lastLine ? ` | ${truncate(job.lastLine, 120)}` : "";
  const handle = formatHandleNote(job);
  return `${job.id} ${job.logProblem ? formatStatus(job) : job.status}${job.inputWait ? " ⌨input" : ""}${handle ? ` (${handle})` : ""} ${formatDuration(runtimeOf(job, now))} "${truncate(job.name, 60)}"${tags}${scope}${ports ? ` ${ports}` : ""}${last}`;
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
