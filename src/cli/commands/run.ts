// `opencode-bg run`: starts a job from a shell. It lands in the same state dir and tmux session
// as the plugin's jobs, so OpenCode sees it too. The CLI exits at once; the job keeps running.
import path from "node:path";
import { formatAttach } from "../../text/attach.js";
import { parseCommandArgs, splitAtCommand } from "../args.js";
import type { CliCommand } from "../command.js";
import { CliFailure, UsageError } from "../errors.js";

/** Creates a global job and prints its id and how to reach it. */
export const runCommand: CliCommand = {
  name: "run",
  summary: "Start a job from the shell",
  help: `Usage: opencode-bg run [--name N] [--tag T]... [--cwd DIR] [--project DIR] [--] <command...>

Start a command in its own tmux window and return at once; the job keeps running.
Options go before the command: everything from the command on belongs to it (run ls -la).
A single argument is run as a shell command line (pipes, &&, $VARS work):
  opencode-bg run --name dev 'npm run dev | tee dev.txt'
Several arguments are run as exactly those words:
  opencode-bg run npm test -- --watch
Put -- before a command that starts with "-".

Jobs started here are always global: there is no OpenCode session for them to end with.
They run until they finish or are killed, and OpenCode sessions of --project see them.

Options:
  --name N        a short name (default: the command)
  --tag T         a label for ls/kill --tag (repeatable)
  --cwd DIR       working directory (default: the project directory)
  --project DIR   the OpenCode project the job belongs to (default: the current directory)
  --global        accepted for symmetry with the plugin; CLI jobs are always global
  -h, --help      show this help`,
  async run(args, cli) {
    const split = splitAtCommand(args, ["--name", "--tag", "--cwd", "--project"]);
    const positionals = split.command;
    const { values } = parseCommandArgs("run", {
      args: split.own,
      options: {
        name: { type: "string" },
        tag: { type: "string", multiple: true },
        global: { type: "boolean" },
        cwd: { type: "string" },
        project: { type: "string" },
      },
    });
    if (positionals.length === 0) throw new UsageError("give the command to run, e.g. opencode-bg run --name dev npm run dev", "run");
    const command = positionals.length === 1 ? (positionals[0] ?? "") : positionals.map(shellWord).join(" ");
    const projectDir = path.resolve(values.project ?? process.cwd());
    const result = await cli.withManager(async (manager) => {
      const job = await manager.create({
        command,
        name: values.name,
        tags: values.tag,
        scope: "global",
        projectDir,
        cwd: values.cwd ? path.resolve(values.cwd) : projectDir,
        baseEnv: cli.env,
      });
      return { job, attach: job.windowId ? formatAttach(manager.attachCommand(job.id)) : undefined };
    });
    const { job, attach } = result;
    if (job.status === "failed" && !job.windowId) throw new CliFailure(`job ${job.id} failed to start: ${job.error ?? "unknown error"}`);
    await cli.out.line(`id: ${job.id}`);
    await cli.out.line(`name: ${job.name}`);
    if (attach) await cli.out.line(`attach: ${attach}`);
    await cli.out.line(`logs: ${cli.bin} logs -f ${job.id}`);
    return 0;
  },
};

/** Quotes a word for bash only when it needs it, so the default name stays readable. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
