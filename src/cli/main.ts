#!/usr/bin/env node
// opencode-bg's command line: picks the subcommand, runs it, and turns every error into a
// message on stderr and an exit code (0 ok, 1 failure, 2 usage). Jobs are shared with the plugin.
import { UnknownJobError, BackgroundError } from "../core/errors.js";
import { TmuxError } from "../tmux/errors.js";
import { wantsHelp } from "./args.js";
import type { CliCommand } from "./command.js";
import { processContext, type CliContext } from "./context.js";
import { CliFailure, EXIT, UsageError } from "./errors.js";
import { mainHelp, packageVersion } from "./help.js";
import { attachCommand } from "./commands/attach.js";
import { gcCommand } from "./commands/gc.js";
import { killCommand } from "./commands/kill.js";
import { logsCommand } from "./commands/logs.js";
import { lsCommand } from "./commands/ls.js";
import { purgeCommand } from "./commands/purge.js";
import { runCommand } from "./commands/run.js";
import { restartCommand } from "./commands/restart.js";
import { sendCommand } from "./commands/send.js";
import { showCommand } from "./commands/show.js";
import { waitCommand } from "./commands/wait.js";

/** Every subcommand, in the order the help lists them. */
const COMMANDS: readonly CliCommand[] = [lsCommand, showCommand, logsCommand, waitCommand, attachCommand, sendCommand, runCommand, restartCommand, killCommand, gcCommand, purgeCommand];

/** Runs the CLI on `argv` (without node and script) and resolves to the exit code. */
async function main(argv: readonly string[], cli: CliContext = processContext()): Promise<number> {
  const [first, ...rest] = argv;
  try {
    if (first === undefined) {
      await cli.err.line(mainHelp(COMMANDS));
      return EXIT.usage;
    }
    if (first === "-h" || first === "--help") {
      await cli.out.line(mainHelp(COMMANDS));
      return EXIT.ok;
    }
    if (first === "-V" || first === "--version") {
      await cli.out.line(packageVersion());
      return EXIT.ok;
    }
    if (first === "help") {
      const named = rest[0] === undefined ? undefined : findCommand(rest[0]);
      await cli.out.line(named ? named.help : mainHelp(COMMANDS));
      return EXIT.ok;
    }
    const command = findCommand(first);
    if (wantsHelp(rest)) {
      await cli.out.line(command.help);
      return EXIT.ok;
    }
    return await command.run(rest, cli);
  } catch (error) {
    return report(error, cli);
  }
}

function findCommand(name: string): CliCommand {
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) throw new UsageError(`unknown command "${name}"; the commands are: ${COMMANDS.map((c) => c.name).join(", ")}`);
  return command;
}

/** Prints an error the way a person at a shell needs it, and picks the exit code. */
async function report(error: unknown, cli: CliContext): Promise<number> {
  const prefix = cli.err.paint("red", "opencode-bg:");
  if (error instanceof UsageError) {
    const help = error.command ? `${cli.bin} ${error.command} --help` : `${cli.bin} --help`;
    await cli.err.line(`${prefix} ${error.message}\nSee: ${help}`);
    return EXIT.usage;
  }
  if (error instanceof UnknownJobError) {
    await cli.err.line(`${prefix} no job has the id or name "${error.jobId}" (list them with: ${cli.bin} ls)`);
    return EXIT.failure;
  }
  if (error instanceof CliFailure || error instanceof BackgroundError || error instanceof TmuxError) {
    await cli.err.line(`${prefix} ${error.message}`);
    return EXIT.failure;
  }
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  await cli.err.line(`${prefix} unexpected error: ${text}`);
  return EXIT.failure;
}

// A reader that went away (`opencode-bg logs x | head`) is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
}

// Everything a command does is done when main returns (the manager closed, the job's environment
// handed over, output written: stdout and stderr are synchronous on Linux). Exit then, rather
// than when the last handle closes: chokidar 5 can leak the fs.watch of a folder it was still
// setting up when it closed, which kept `run` alive 2-5 times in 30 on a busy machine.
process.exit(await main(process.argv.slice(2)));
