// Colour for a terminal, plain text for everything else: NO_COLOR, TERM=dumb and pipes get none.
import { inspect } from "node:util";
import type { JobStatus } from "../core/job/job-files.js";

/** The styles the CLI uses (names of util.inspect.colors, which every Node version has). */
export type Style = "bold" | "dim" | "red" | "green" | "yellow" | "blue" | "magenta" | "cyan" | "gray";

/** Whether to colour a stream: FORCE_COLOR wins, then NO_COLOR (https://no-color.org), then "is it a TTY". */
export function colorEnabled(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "" && env.FORCE_COLOR !== "0") return true;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  return stream.isTTY === true && env.TERM !== "dumb";
}

/** A function that styles text when colour is on and returns it unchanged when it is off. */
export type Painter = (style: Style, text: string) => string;

/** Builds the painter for one stream (util.styleText would do, but it has no off switch on Node 20). */
export function painter(enabled: boolean): Painter {
  if (!enabled) return (_style, text) => text;
  return (style, text) => {
    const codes = inspect.colors[style];
    return codes ? `\u001b[${codes[0]}m${text}\u001b[${codes[1]}m` : text;
  };
}

const STATUS_STYLES: Record<JobStatus, Style> = {
  pending: "yellow",
  running: "green",
  completed: "blue",
  failed: "red",
  cancelled: "magenta",
};

/** The colour a status is shown in, the same everywhere (ls, kill, run, gc). */
export function statusStyle(status: JobStatus): Style {
  return STATUS_STYLES[status];
}
