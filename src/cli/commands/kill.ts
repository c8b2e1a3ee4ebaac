// `opencode-bg kill`: ends jobs (their whole process trees, then their windows) by id or by tag.
// It never means "everything": without a selector it refuses.
import type { JobFilter } from "../../core/job/filters.js";
import type { JobStatus } from "../../core/job/job-files.js";
import { resolveConfig } from "../../core/config.js";
import type { KillReport } from "../../core/manager.js";
import type { JobView } from "../../core/job/job.js";
import { formatDuration } from "../../text/duration.js";
import { formatKillProblems } from "../../text/status.js";
import { parseCommandArgs, parseStatus } from "../args.js";
import { statusStyle, type Painter } from "../colors.js";
import type { CliCommand } from "../command.js";
import { UsageError } from "../errors.js";
import { resolveTargets } from "../targets.js";

/** A kill that takes longer than this is waiting out the grace period: say so. */
const SAY_WAITING_MS = 700;

/** Kills by ids, or by tags narrowed by status (default: the jobs still running or pending). */
export const killCommand: CliCommand = {
  name: "kill",
  summary: "Stop jobs and everything they started",
  help: `Usage: opencode-bg kill <job>...
       opencode-bg kill --tag T [--tag T]... [--status S]

Stop jobs: SIGTERM to the job's whole process tree, SIGKILL after a grace period, then its
tmux window is closed. Prints one line per job. A <job> is an id, a name, a unique id prefix,
or all (every running or pending job). An unknown or ambiguous job is an error and kills nothing.

Examples:
  opencode-bg kill dev          # the job named dev
  opencode-bg kill all          # every running job

Options:
  --tag T       jobs carrying this tag (repeatable: any of them)
  --status S    with --tag: only jobs in this state (default: running and pending)
  -h, --help    show this help`,
  async run(args, cli) {
    const { values, positionals: targets } = parseCommandArgs("kill", {
      args,
      allowPositionals: true,
      options: {
        tag: { type: "string", multiple: true },
        status: { type: "string" },
      },
    });
    const tags = values.tag ?? [];
    if (targets.length > 0 && (tags.length > 0 || values.status)) throw new UsageError("give jobs, or --tag (with --status); not both", "kill");
    if (targets.length === 0 && tags.length === 0) {
      throw new UsageError(values.status ? "--status only narrows --tag; say which jobs to kill: jobs or --tag" : "say which jobs to kill: ids, names, all, or --tag T", "kill");
    }
    const statuses: readonly JobStatus[] = values.status ? [parseStatus(values.status, "kill")] : ["running", "pending"];
    const graceMs = resolveConfig(undefined, cli.env).killGraceMs;
    const result = await cli.withManager(async (manager) => {
      const active = manager.list({ status: ["running", "pending"] });
      // `all` means every job still running; a name or id may also name an ended job (its window is closed).
      const jobs = targets.length > 0 ? [...resolveTargets(active, targets.filter((t) => t === "all"), { bin: cli.bin }), ...resolveTargets(manager.list(), targets.filter((t) => t !== "all"), { bin: cli.bin })] : manager.list({ tags, status: statuses });
      const ids = [...new Set(jobs.map((job) => job.id))];
      if (ids.length === 0) return { reports: [], before: new Map<string, JobView>() };
      const filter: JobFilter = { ids };
      const running = jobs.filter((job) => job.status === "running").length;
      // The kill waits up to the grace period for processes to exit after SIGTERM: say so while it waits.
      const timer = running > 0 && graceMs > SAY_WAITING_MS
        ? setTimeout(() => void cli.err.line(cli.err.paint("dim", `waiting for ${running === 1 ? "the job" : `${running} jobs`} to exit after SIGTERM (SIGKILL after ${formatDuration(graceMs)})...`)), SAY_WAITING_MS)
        : undefined;
      try {
        const reports = await manager.kill(filter, { reason: "killed with opencode-bg kill" });
        return { reports, before: new Map(jobs.map((job) => [job.id, job])) };
      } finally {
        clearTimeout(timer);
      }
    });
    if (result.reports.length === 0) {
      await cli.err.line(targets.includes("all") ? "No job is running: nothing was killed." : "No matching jobs: nothing was killed.");
      return 0;
    }
    for (const report of result.reports) await cli.out.line(describeKill(report, cli.out.paint, result.before.get(report.id)));
    return 0;
  },
};

/**
 * "abc12345 cancelled  dev-server (3 processes signalled)" or, for a job that had already ended,
 * "abc12345 build had already failed (exit 2); closed its window" (`before`: the job's view before the kill).
 */
export function describeKill(report: KillReport, paint: Painter, before?: Pick<JobView, "exitCode" | "signal">): string {
  const status = paint(statusStyle(report.status), report.status);
  const processes = `${report.signalled} process${report.signalled === 1 ? "" : "es"} signalled${report.forced ? `, ${report.forced} needed SIGKILL` : ""}`;
  const problems = formatKillProblems(report).map((problem) => `; ${paint("red", problem)}`).join("");
  if (report.previousStatus !== "running" && report.previousStatus !== "pending") {
    const leftovers = report.signalled ? `; ended its ${report.signalled} leftover process${report.signalled === 1 ? "" : "es"}` : "";
    const code = before?.signal ? ` (${before.signal})` : before?.exitCode !== undefined ? ` (exit ${before.exitCode})` : "";
    return `${report.id} ${report.name} had already ${status}${code}${leftovers}; closed its window${problems}`;
  }
  return `${report.id} ${status}  ${report.name} (${processes})${problems}`;
}
