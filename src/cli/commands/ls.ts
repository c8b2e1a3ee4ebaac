// `opencode-bg ls`: every job in the state dir (a person at a shell wants to see everything),
// as a table or as JSON, optionally filtered.
import path from "node:path";
import type { JobFilter } from "../../core/job/filters.js";
import type { JobStatus } from "../../core/job/job-files.js";
import type { JobView } from "../../core/job/job.js";
import { CPU_SAMPLE_MS, type JobUsage } from "../../core/job/job-usage.js";
import { formatCpu, formatMemory, formatPorts } from "../../text/usage.js";
import { logDiskBytes } from "../../core/output/log-segments.js";
import { formatDuration, runtimeOf } from "../../text/duration.js";
import { formatSize } from "../../text/size.js";
import { formatHandleNote } from "../../text/status.js";
import { parseCommandArgs, parseStatus } from "../args.js";
import { statusStyle } from "../colors.js";
import type { CliCommand } from "../command.js";
import { UsageError } from "../errors.js";
import { renderTable, type Column } from "../table.js";
import { endReason } from "./show.js";

/** Lists jobs; the default is all of them, whichever OpenCode or shell started them. */
export const lsCommand: CliCommand = {
  name: "ls",
  summary: "List jobs (all of them by default)",
  help: `Usage: opencode-bg ls [options]

List background jobs: id, status, runtime, how long ago it ended, restarts, log size, name,
first tag, scope, listening ports, CPU (over 200 ms) and memory of the whole process tree, why it
ended, and the last output line (columns with nothing to say are left out). Shows every job in
the state dir unless filtered. "opencode-bg show <job>" gives the rest.

Options:
  --running       only jobs still running or pending (hides ended ones)
  --status S      only jobs in this state: pending, running, completed, failed, cancelled (repeatable)
  --tag T         only jobs carrying this tag (repeatable: any of them)
  --session ID    only jobs started by this OpenCode chat session
  --project DIR   only jobs of this OpenCode project directory
  --all           every job (the default)
  --json          print the jobs as a JSON array of job objects
  -q, --quiet     print only the ids, one per line (e.g. for: opencode-bg kill $(opencode-bg ls -q --tag web))
  -h, --help      show this help`,
  async run(args, cli) {
    const { values } = parseCommandArgs("ls", {
      args,
      options: {
        status: { type: "string", multiple: true },
        running: { type: "boolean" },
        tag: { type: "string", multiple: true },
        session: { type: "string" },
        project: { type: "string" },
        all: { type: "boolean" },
        json: { type: "boolean" },
        quiet: { type: "boolean", short: "q" },
      },
    });
    if (values.all && values.project) throw new UsageError("--all and --project contradict each other; give one", "ls");
    if (values.running && values.status) throw new UsageError("--running and --status both pick statuses; give one", "ls");
    const statuses: JobStatus[] = values.running ? ["running", "pending"] : (values.status ?? []).map((status) => parseStatus(status, "ls"));
    const filter: JobFilter = {
      ...(statuses.length ? { status: statuses } : {}),
      ...(values.tag?.length ? { tags: values.tag } : {}),
      ...(values.session ? { sessionId: values.session } : {}),
      ...(values.project ? { projectDir: path.resolve(values.project) } : {}),
    };
    const { jobs, usage } = await cli.withManager(async (manager) => {
      await manager.loadOutputs(manager.list(filter).map((job) => job.id));
      const listed = manager.list(filter);
      const table = !values.json && !values.quiet && listed.some((job) => job.status === "running");
      return { jobs: listed, usage: table ? await manager.usage(listed.map((job) => job.id), { cpuSampleMs: CPU_SAMPLE_MS }).catch(() => new Map<string, JobUsage>()) : new Map<string, JobUsage>() };
    });
    const sizes = values.json || values.quiet ? new Map<string, number>() : new Map(await Promise.all(jobs.map(async (job) => [job.id, await logDiskBytes(job.logPath).catch(() => 0)] as const)));
    if (values.json) {
      await cli.out.line(JSON.stringify(jobs, null, 2));
    } else if (values.quiet) {
      for (const job of jobs) await cli.out.line(job.id);
    } else if (jobs.length === 0) {
      await cli.out.line("No jobs.");
    } else {
      const lines = renderTable(jobs, shownColumns(jobs, jobColumns(Date.now(), sizes, usage)), { paint: cli.out.paint, width: cli.out.columns });
      for (const line of lines) await cli.out.line(line);
    }
    return 0;
  },
};

/** A column that may be left out when no row has anything to say in it ("-" or ""). */
type LsColumn = Column<JobView> & { optional?: boolean };

function jobColumns(now: number, sizes: ReadonlyMap<string, number>, usage: Map<string, JobUsage>): LsColumn[] {
  return [
    { header: "ID", cell: (job) => job.id },
    { header: "STATUS", cell: statusCell, style: (job) => statusStyle(job.status) },
    { header: "RUNTIME", cell: (job) => (job.startedAt ? formatDuration(runtimeOf(job, now)) : "-") },
    { header: "ENDED", cell: (job) => (job.endedAt ? `${formatDuration(now - job.endedAt)} ago` : "-"), optional: true },
    { header: "RESTARTS", cell: (job) => (job.restarts ? String(job.restarts) : "-"), optional: true },
    { header: "LOG", cell: (job) => { const bytes = sizes.get(job.id); return bytes ? formatSize(bytes).replace(" ", "") : "-"; }, optional: true },
    { header: "NAME", cell: (job) => job.name, max: 32 },
    { header: "TAG", cell: (job) => job.tags[0] ?? "-", max: 16, optional: true },
    { header: "SCOPE", cell: (job) => job.scope },
    { header: "PORTS", cell: (job) => formatPorts(usage.get(job.id)) || "-", max: 24, optional: true },
    { header: "CPU", cell: (job) => usageCell(usage.get(job.id), (u) => (u.cpuPercent === undefined ? "-" : formatCpu(u.cpuPercent))), optional: true },
    { header: "MEM", cell: (job) => usageCell(usage.get(job.id), (u) => formatMemory(u.rssBytes)), optional: true },
    { header: "WHY IT ENDED", cell: (job) => (job.status === "completed" ? "-" : (endReason(job) ?? "-")), max: 36, optional: true },
    { header: "LAST OUTPUT", cell: (job) => job.lastLine ?? "", style: () => "dim", flex: true },
  ];
}

/** Leaves out optional columns that say nothing for any of these jobs (no job ended, none restarted...). */
function shownColumns(jobs: readonly JobView[], columns: readonly LsColumn[]): LsColumn[] {
  return columns.filter((column) => !column.optional || jobs.some((job) => !["", "-"].includes(column.cell(job))));
}

/** "failed(2)" says more than "failed" at no extra width worth mentioning; lost handles are said too. */
function statusCell(job: JobView): string {
  const status = job.status === "failed" && job.exitCode !== undefined ? `failed(${job.exitCode})` : job.status;
  const notes = [job.logProblem, formatHandleNote(job), job.inputWait ? "⌨ waiting for input" : undefined].filter(Boolean);
  return notes.length > 0 ? `${status} (${notes.join(", ")})` : status;
}

/** A usage figure of a running job's tree; "-" for jobs that are not running. */
function usageCell(usage: JobUsage | undefined, cell: (usage: JobUsage) => string): string {
  return usage ? cell(usage) : "-";
}
