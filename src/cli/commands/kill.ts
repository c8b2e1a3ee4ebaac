// `opencode-bg kill`: ends jobs (their whole process trees, then their windows) by id or by tag.
// It never means "everything": without a selector it refuses.
import type { JobFilter } from "../../core/filters.js";
import type { JobStatus } from "../../core/job-files.js";
import type { KillReport } from "../../core/manager.js";
import { formatKillProblems } from "../../text/status.js";
import { parseCommandArgs, parseStatus } from "../args.js";
import { statusStyle, type Painter } from "../colors.js";
import type { CliCommand } from "../command.js";
import { UsageError } from "../errors.js";

/** Kills by ids, or by tags narrowed by status (default: the jobs still running or pending). */
export const killCommand: CliCommand = {
  name: "kill",
  summary: "Stop jobs and everything they started",
  help: `Usage: opencode-bg kill <id>...
       opencode-bg kill --tag T [--tag T]... [--status S]

Stop jobs: SIGTERM to the job's whole process tree, SIGKILL after a grace period, then its
tmux window is closed. Prints one line per job. An unknown id is an error and kills nothing.

Options:
  --tag T       jobs carrying this tag (repeatable: any of them)
  --status S    with --tag: only jobs in this state (default: running and pending)
  -h, --help    show this help`,
  async run(args, cli) {
    const { values, positionals: ids } = parseCommandArgs("kill", {
      args,
      allowPositionals: true,
      options: {
        tag: { type: "string", multiple: true },
        status: { type: "string" },
      },
    });
    const tags = values.tag ?? [];
    if (ids.length > 0 && (tags.length > 0 || values.status)) throw new UsageError("give job ids, or --tag (with --status); not both", "kill");
    if (ids.length === 0 && tags.length === 0) {
      throw new UsageError(values.status ? "--status only narrows --tag; say which jobs to kill with ids or --tag" : "say which jobs to kill: job ids or --tag T (refusing to kill everything)", "kill");
    }
    const statuses: readonly JobStatus[] = values.status ? [parseStatus(values.status, "kill")] : ["running", "pending"];
    const filter: JobFilter = ids.length > 0 ? { ids: [...new Set(ids)] } : { tags, status: statuses };
    const reports = await cli.withManager((manager) => manager.kill(filter, { reason: "killed with opencode-bg kill" }));
    if (reports.length === 0) {
      await cli.err.line("No matching jobs: nothing was killed.");
      return 0;
    }
    for (const report of reports) await cli.out.line(describeKill(report, cli.out.paint));
    return 0;
  },
};

/** "abc12345 cancelled  dev-server (3 processes signalled)" or, for a job that had already ended, what was cleaned. */
export function describeKill(report: KillReport, paint: Painter): string {
  const status = paint(statusStyle(report.status), report.status);
  const processes = `${report.signalled} process${report.signalled === 1 ? "" : "es"} signalled${report.forced ? `, ${report.forced} needed SIGKILL` : ""}`;
  const problems = formatKillProblems(report).map((problem) => `; ${paint("red", problem)}`).join("");
  if (report.previousStatus !== "running" && report.previousStatus !== "pending") {
    const leftovers = report.signalled ? `; ${processes}` : "";
    return `${report.id} had already ${status}  ${report.name}${leftovers}; window closed${problems}`;
  }
  return `${report.id} ${status}  ${report.name} (${processes})${problems}`;
}
