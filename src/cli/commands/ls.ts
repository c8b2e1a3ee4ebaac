// `opencode-bg ls`: every job in the state dir (a person at a shell wants to see everything),
// as a table or as JSON, optionally filtered.
import path from "node:path";
import type { JobFilter } from "../../core/filters.js";
import type { JobStatus } from "../../core/job-files.js";
import type { JobView } from "../../core/job.js";
import { formatDuration, runtimeOf } from "../../text/duration.js";
import { formatHandleNote } from "../../text/status.js";
import { parseCommandArgs, parseStatus } from "../args.js";
import { statusStyle } from "../colors.js";
import type { CliCommand } from "../command.js";
import { UsageError } from "../errors.js";
import { renderTable, type Column } from "../table.js";

/** Lists jobs; the default is all of them, whichever OpenCode or shell started them. */
export const lsCommand: CliCommand = {
  name: "ls",
  summary: "List jobs (all of them by default)",
  help: `Usage: opencode-bg ls [options]

List background jobs: id, status, runtime, name, first tag, scope and last output line.
Shows every job in the state dir unless filtered.

Options:
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
        tag: { type: "string", multiple: true },
        session: { type: "string" },
        project: { type: "string" },
        all: { type: "boolean" },
        json: { type: "boolean" },
        quiet: { type: "boolean", short: "q" },
      },
    });
    if (values.all && values.project) throw new UsageError("--all and --project contradict each other; give one", "ls");
    const statuses: JobStatus[] = (values.status ?? []).map((status) => parseStatus(status, "ls"));
    const filter: JobFilter = {
      ...(statuses.length ? { status: statuses } : {}),
      ...(values.tag?.length ? { tags: values.tag } : {}),
      ...(values.session ? { sessionId: values.session } : {}),
      ...(values.project ? { projectDir: path.resolve(values.project) } : {}),
    };
    const jobs = await cli.withManager(async (manager) => {
      await manager.loadOutputs(manager.list(filter).map((job) => job.id));
      return manager.list(filter);
    });
    if (values.json) {
      await cli.out.line(JSON.stringify(jobs, null, 2));
    } else if (values.quiet) {
      for (const job of jobs) await cli.out.line(job.id);
    } else if (jobs.length === 0) {
      await cli.out.line("No jobs.");
    } else {
      const lines = renderTable(jobs, jobColumns(Date.now()), { paint: cli.out.paint, width: cli.out.columns });
      for (const line of lines) await cli.out.line(line);
    }
    return 0;
  },
};

function jobColumns(now: number): Column<JobView>[] {
  return [
    { header: "ID", cell: (job) => job.id },
    { header: "STATUS", cell: statusCell, style: (job) => statusStyle(job.status) },
    { header: "RUNTIME", cell: (job) => (job.startedAt ? formatDuration(runtimeOf(job, now)) : "-") },
    { header: "NAME", cell: (job) => job.name, max: 32 },
    { header: "TAG", cell: (job) => job.tags[0] ?? "-", max: 16 },
    { header: "SCOPE", cell: (job) => job.scope },
    { header: "LAST OUTPUT", cell: (job) => job.lastLine ?? "", style: () => "dim", flex: true },
  ];
}

/** "failed(2)" says more than "failed" at no extra width worth mentioning; lost handles are said too. */
function statusCell(job: JobView): string {
  const status = job.status === "failed" && job.exitCode !== undefined ? `failed(${job.exitCode})` : job.status;
  const notes = [job.logProblem, formatHandleNote(job)].filter(Boolean);
  return notes.length > 0 ? `${status} (${notes.join(", ")})` : status;
}
