// `opencode-bg attach`: puts the person's terminal into a job's tmux window. Without a terminal
// (a pipe, a test) it prints the command instead, so it can be copied or checked.
import { spawn } from "node:child_process";
import type { JobManager } from "../../core/manager.js";
import { formatAttach } from "../../text/attach.js";
import { TmuxError, TmuxNotFoundError, TmuxServerGoneError, TmuxTargetGoneError } from "../../tmux/errors.js";
import { JOB_ID_OPTION } from "../../tmux/windows.js";
import { parseCommandArgs } from "../args.js";
import type { CliCommand } from "../command.js";
import { CliFailure, UsageError } from "../errors.js";

/** Attaches to (or prints how to attach to) a job's window. */
export const attachCommand: CliCommand = {
  name: "attach",
  summary: "Open a job's tmux window in this terminal",
  help: `Usage: opencode-bg attach <id>

Attach this terminal to the job's tmux window (detach again with C-b d). Inside tmux on the
same server it switches to the window instead. When output is not a terminal, the tmux
command is printed instead of run.

Options:
  -h, --help   show this help`,
  async run(args, cli) {
    const { positionals } = parseCommandArgs("attach", { args, allowPositionals: true, options: {} });
    const [id, ...extra] = positionals;
    if (!id || extra.length > 0) throw new UsageError("give exactly one job id", "attach");
    const plan = await cli.withManager((manager) => planAttach(manager, id, cli.env));
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

/** Checks the window still belongs to the job, and picks attach-session or switch-client. */
async function planAttach(manager: JobManager, id: string, env: NodeJS.ProcessEnv): Promise<AttachPlan> {
  const job = manager.get(id);
  if (!job.windowId) throw new CliFailure(`job ${id} has no tmux window: it never started (${job.status}).`);
  if (!(await windowBelongsTo(manager, job.windowId, id))) {
    throw new CliFailure(`job ${id}'s tmux window is gone (the job is ${job.status}); see its output with: opencode-bg logs ${id}`);
  }
  const argv = manager.attachCommand(id);
  const childEnv = { ...env };
  if (env.TMUX) {
    // Inside tmux: on our own server, switch this client; on another, nest (tmux refuses unless TMUX is unset).
    const ours = await manager.tmuxOf(id).run(["display-message", "-p", "#{socket_path}"]).catch(() => "");
    if (ours && ours.trim() === env.TMUX.split(",")[0]) return { argv: argv.map((arg) => (arg === "attach-session" ? "switch-client" : arg)), env: childEnv };
    delete childEnv.TMUX;
    delete childEnv.TMUX_PANE;
  }
  return { argv, env: childEnv };
}

/** True when the window exists and carries this job's id (window ids restart with the server). */
async function windowBelongsTo(manager: JobManager, windowId: string, jobId: string): Promise<boolean> {
  try {
    const owner = await manager.tmuxOf(jobId).run(["display-message", "-p", "-t", windowId, `#{${JOB_ID_OPTION}}`]);
    return owner.trim() === jobId;
  } catch (error) {
    if (error instanceof TmuxTargetGoneError || error instanceof TmuxServerGoneError) return false;
    if (error instanceof TmuxNotFoundError || !(error instanceof TmuxError)) throw error;
    return false;
  }
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
