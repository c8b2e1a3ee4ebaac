// The shape every subcommand has, so main.ts can list, describe and dispatch them uniformly.
import type { CliContext } from "./context.js";

/** One subcommand: its name, a one-line summary for the main help, its own help, and its body. */
export interface CliCommand {
  name: string;
  summary: string;
  /** Full text printed by `opencode-bg <name> --help`. */
  help: string;
  /** Runs with the arguments after the command name; resolves to the exit code. */
  run(args: string[], cli: CliContext): Promise<number>;
}
