// `opencode-bg purge`: removes everything opencode-bg made on this machine, in the order that
// leaves nothing behind: every job is killed through the same kill as `opencode-bg kill` (whole
// process trees), then the tmux session goes, then the job folders and the state dir.
// The package itself stays installed (that is npm's job: `npm uninstall -g opencode-bg`).
import { resolveConfig } from "../../core/config.js";
import { describeStateDir, removeStateDir, type StateDirContents } from "../../core/job/state-dir.js";
import type { JobView } from "../../core/job/job.js";
import type { KillReport } from "../../core/manager.js";
import { TmuxClient } from "../../tmux/client.js";
import { TmuxNotFoundError } from "../../tmux/errors.js";
import { inspectSession, killSession, type SessionWindows } from "../../tmux/session-remove.js";
import { formatSize } from "../../text/size.js";
import { parseCommandArgs } from "../args.js";
import type { CliCommand } from "../command.js";
import type { CliContext } from "../context.js";
import { describeKill } from "./kill.js";

export const purgeCommand: CliCommand = {
  name: "purge",
  summary: "Remove everything opencode-bg made: jobs, tmux session, state dir",
  help: `Usage: opencode-bg purge [--dry-run]

Remove everything opencode-bg made, in this order:
  1. kill every job, running or not (whole process trees, as "opencode-bg kill" does)
  2. kill the tmux session (opencode-bg by default) on the configured tmux server; never the
     server itself, which exits by itself if that was its last session. A session that holds
     windows opencode-bg did not make is left alone (exit code 1).
  3. delete the job folders (logs included) and debug.log, then the state dir if it is empty
     (other files in it are left alone).
OpenCode instances running the plugin would start the session again on their next job: quit
them first. The package stays installed (npm uninstall -g opencode-bg removes it).

Options:
  --dry-run     only print what would be removed
  -h, --help    show this help`,
  async run(args, cli) {
    const { values } = parseCommandArgs("purge", { args, options: { "dry-run": { type: "boolean" } } });
    const dryRun = values["dry-run"] === true;
    const config = resolveConfig(undefined, cli.env);
    const server = config.tmuxSocket ? `tmux server "${config.tmuxSocket}" (tmux -L ${config.tmuxSocket})` : "your default tmux server";

    // 1. Jobs. Opening a manager creates the state dir: only open one when there is a state dir.
    const before = await describeStateDir(config.stateDir);
    const jobs = before.exists ? await cli.withManager(async (manager) => manager.list()) : [];
    if (dryRun) await printJobs(cli, jobs);
    else if (jobs.length > 0) {
      const ids = jobs.map((job) => job.id);
      const reports: KillReport[] = await cli.withManager((manager) => manager.kill({ ids: ids.filter((id) => manager.has(id)) }, { reason: "killed with opencode-bg purge" }));
      for (const report of reports) await cli.out.line(describeKill(report, cli.out.paint));
    }

    // 2. The session, through a client of its own (the manager's control-mode client is closed).
    const tmux = new TmuxClient({ socketName: config.tmuxSocket, env: cli.env });
    let sessionKept = false;
    try {
      const windows = await inspectSession(tmux, config.sessionName).catch((error: unknown) => {
        if (error instanceof TmuxNotFoundError) return undefined;
        throw error;
      });
      sessionKept = await handleSession(cli, tmux, config.sessionName, server, windows, dryRun);
    } finally {
      tmux.close();
    }

    // 3. Files, once nothing can write into them any more.
    const disk = dryRun ? before : await describeStateDir(config.stateDir);
    await handleStateDir(cli, disk, dryRun);
    return sessionKept ? 1 : 0;
  },
};

async function printJobs(cli: CliContext, jobs: readonly JobView[]): Promise<void> {
  if (jobs.length === 0) {
    await cli.out.line("no jobs to kill");
    return;
  }
  const active = jobs.filter((job) => job.status === "running" || job.status === "pending").length;
  await cli.out.line(`would kill ${jobs.length} job${jobs.length === 1 ? "" : "s"} (${active} running or pending):`);
  for (const job of jobs) await cli.out.line(`  ${job.id} ${job.status}  ${job.name}`);
}

/** Kills the session, or says why not; true when a session had to be kept. */
async function handleSession(cli: CliContext, tmux: TmuxClient, name: string, server: string, windows: SessionWindows | undefined, dryRun: boolean): Promise<boolean> {
  if (!windows) {
    await cli.out.line(`no tmux session "${name}" on ${server}`);
    return false;
  }
  if (windows.foreign.length > 0) {
    await cli.err.line(`kept tmux session "${name}" on ${server}: it holds windows opencode-bg did not make (${windows.foreign.join(", ")}); close them, then run purge again`);
    return true;
  }
  if (dryRun) {
    await cli.out.line(`would kill tmux session "${name}" on ${server} (windows: ${windows.ours.join(", ")})`);
    return false;
  }
  const killed = await killSession(tmux, name);
  await cli.out.line(killed ? `killed tmux session "${name}" on ${server}` : `no tmux session "${name}" on ${server}`);
  return false;
}

async function handleStateDir(cli: CliContext, disk: StateDirContents, dryRun: boolean): Promise<void> {
  if (!disk.exists) {
    await cli.out.line(`no state dir at ${disk.stateDir}`);
    return;
  }
  const what = `${disk.jobFolders} job folder${disk.jobFolders === 1 ? "" : "s"} (${formatSize(disk.bytes)})`;
  const kept = disk.foreign.length > 0 ? `; kept ${disk.stateDir} itself: it also holds ${disk.foreign.join(", ")}` : "";
  if (dryRun) {
    await cli.out.line(`would remove ${what} and ${disk.foreign.length > 0 ? "debug.log" : disk.stateDir}${kept}`);
    return;
  }
  const { removedDir } = await removeStateDir(disk.stateDir);
  await cli.out.line(removedDir ? `removed ${what} and ${disk.stateDir}` : `removed ${what}${kept || `; kept ${disk.stateDir}: not empty`}`);
}
