// `opencode-bg restart`: runs jobs again, running or finished, as restartProcess does: the old
// process tree ends, the same command starts in the same window and the log continues.
import type { JobView } from "../../core/job/job.js";
import { parseCommandArgs } from "../args.js";
import { statusStyle } from "../colors.js";
import type { CliCommand } from "../command.js";
import { UsageError } from "../errors.js";
import { resolveTargets } from "../targets.js";

export const restartCommand: CliCommand = {
  name: "restart",
  summary: "Run jobs again (running or finished), in the same window",
  help: `Usage: opencode-bg restart <job>...

Run each job again with the same command, directory and environment: a running job's whole
process tree is stopped first (SIGTERM, then SIGKILL after the grace period). The output
continues in the same log, after a "--- opencode-bg: restart N ---" line. A <job> is an id, a
name, a unique id prefix, or all (every job).

Options:
  -h, --help   show this help

Examples:
  opencode-bg restart dev
  opencode-bg restart all`,
  async run(args, cli) {
    const { positionals: targets } = parseCommandArgs("restart", { args, allowPositionals: true, options: {} });
    if (targets.length === 0) throw new UsageError("give the jobs to restart (ids, names or all)", "restart");
    const reports = await cli.withManager(async (manager) => {
      const jobs: JobView[] = resolveTargets(manager.list(), targets, { bin: cli.bin });
      const done = [];
      for (const job of jobs) done.push(await manager.restart(job.id, { reason: "restarted with opencode-bg restart" }));
      return done;
    });
    for (const report of reports) {
      const was = cli.out.paint(statusStyle(report.previousStatus), report.previousStatus);
      const stopped = report.signalled ? `, stopped ${report.signalled} process${report.signalled === 1 ? "" : "es"}` : "";
      const window = report.sameWindow ? "" : ", in a new window (the old one was closed)";
      await cli.out.line(`${report.job.id} ${report.job.name} restarted (restart ${report.run}, was ${was}${stopped}${window})`);
    }
    return 0;
  },
};
