// The top-level help and version texts.
import { readFileSync } from "node:fs";
import type { CliCommand } from "./command.js";

/** `opencode-bg --help`: what the tool is, its commands, the environment it reads, exit codes. */
export function mainHelp(commands: readonly CliCommand[]): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  const list = commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`).join("\n");
  return `opencode-bg: background jobs of OpenCode, each in its own tmux window

Usage: opencode-bg <command> [options]

Commands:
${list}

Run "opencode-bg <command> --help" for a command's options.

Options:
  -h, --help      show this help
  -V, --version   print the version

Environment:
  OPENCODE_BG_STATE_DIR     where job folders live (default: $XDG_STATE_HOME/opencode-bg,
                            or ~/.local/state/opencode-bg)
  OPENCODE_BG_TMUX_SOCKET   a private tmux server (tmux -L NAME); default: your usual server
  OPENCODE_BG_SESSION       the tmux session holding the job windows (default: opencode-bg)
  NO_COLOR                  no colours (they are also off when output is not a terminal)

Exit codes: 0 ok, 1 failed (e.g. unknown job), 2 wrong usage.
A <job> is an id, a name, a unique id prefix, or all.`;
}

/** The package version, read from package.json next to dist/ (or src/) at run time. */
export function packageVersion(): string {
  try {
    const text = readFileSync(new URL("../../package.json", import.meta.url), "utf8");
    return (JSON.parse(text) as { version?: string }).version ?? "unknown";
  } catch {
    return "unknown";
  }
}
