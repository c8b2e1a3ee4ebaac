// `opencode-bg attach`: puts the person's terminal into a job's tmux window. Without a terminal
// (a pipe, a test) it prints the command instead, so it can be copied or checked. A finished
// job's window first gets its last screen back (tmux/attach.ts says why it is lost).
import { spawn } from "node:child_process";
import { promises as fs } from "node:fs";
import type { JobManager } from "../../core/manager.js";
import { formatAttach } from "../../text/attach.js";
import { serverSocketPath, showLastScreen, switchClientArgv, windowOption } from "../../tmux/attach.js";
import { TmuxNotFoundError } from "../../tmux/errors.js";
import { JOB_ID_OPTION } from "../../tmux/windows.js";
import { parseCommandArgs } from "../args.js";
import type { CliCommand } from "../command.js";
import { CliFailure, UsageError } from "../errors.js";
import { resolveOne } from "../targets.js";

/** Attaches to (or prints how to attach to) a job's window. */
export const attachCommand: CliCommand = {
  name: "attach",
  summary: "Open a job's tmux window in this terminal",
  help: `Usage: opencode-bg attach <job>

Attach this terminal to the job's tmux window (detach again with C-b d). Inside tmux on the
same server it switches to the window instead. A finished job's window shows the end of its
output and "Pane is dead (status N, ...)". When output is not a terminal, the tmux command is
printed instead of run. <job> is an id, a name or a unique id prefix.

Options:
  -h, --help   show this help

Example:
  opencode-bg attach dev`,
  async run(args, cli) {
    const { positionals } = parseCommandArgs("attach", { args, allowPositionals: true, options: {} });
    const [target, ...extra] = positionals;
    if (!target || extra.length > 0) throw new UsageError("give exactly one job (id or name)", "attach");
    const plan = await cli.withManager((manager) => planAttach(manager, resolveOne(manager.list(), target, { bin: cli.bin }).id, cli.env, cli.bin));
    if (!cli.out.isTTY) {
      await cli.out.line(formatAttach(plan.argv));
      return 0;
    }
    return runInherited(plan.argv, plan.env);
  },
};

interface AttachPlan {
  argv: string[];
  env: NodeJS.ProcessEnv;
}

/** Checks the window still belongs to the job, restores a finished job's last screen, and picks attach-session or switch-client. */
async function planAttach(manager: JobManager, id: string, env: NodeJS.ProcessEnv, bin: string): Promise<AttachPlan> {
  const job = manager.get(id);
  if (!job.windowId) throw new CliFailure(`job ${id} has no tmux window: it never started (${job.status}).`);
  const tmux = manager.tmuxOf(id);
  // Window ids restart with the server: the window must still carry this job's id.
  if ((await windowOption(tmux, job.windowId, JOB_ID_OPTION)) !== id) {
    throw new CliFailure(`job ${id}'s tmux window is gone (the job is ${job.status}); see its output with: ${bin} logs ${id}`);
  }
  const hasLog = await fs.access(job.logPath).then(() => true, () => false);
  if (job.status !== "running" && job.status !== "pending" && job.paneId && hasLog) {
    const exitCode = job.exitCode ?? (job.status === "completed" ? 0 : 1);
    // Nice to have: if tmux refuses, the window is still worth attaching to as it is.
    await showLastScreen(tmux, { paneId: job.paneId, logPath: job.logPath, exitCode }).catch(() => false);
  }
  const argv = manager.attachCommand(id);
  const childEnv = { ...env };
  if (env.TMUX) {
    // Inside tmux: on our own server, switch this client; on another, nest (tmux refuses unless TMUX is unset).
    const ours = await serverSocketPath(tmux);
    if (ours && ours === env.TMUX.split(",")[0]) return { argv: switchClientArgv(argv), env: childEnv };
    delete childEnv.TMUX;
    delete childEnv.TMUX_PANE;
  }
  return { argv, env: childEnv };
}

/** Runs tmux on this terminal and passes its exit code on. */
function runInherited(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [binary, ...rest] = argv;
  return new Promise((resolve, reject) => {
    const child = spawn(binary ?? "tmux", rest, { stdio: "inherit", env });
    child.once("error", (error: NodeJS.ErrnoException) => reject(error.code === "ENOENT" ? new TmuxNotFoundError({ cause: error }) : error));
    child.once("exit", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}
