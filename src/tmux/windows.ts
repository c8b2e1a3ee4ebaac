// Job windows: start one (in ONE tmux invocation, so no early output is lost), find them again,
// read a dead pane's status, type into them, close them. Windows are targeted by id (@N / %N)
// once they exist; the unique window name is only used inside the start chain itself.
import { z } from "zod";
import { TmuxClient } from "./client.js";
import { TmuxServerGoneError, TmuxTargetGoneError } from "./errors.js";
import { escapeFormat, escapePipeCommand, formatFields, splitFields } from "./escape.js";
import { sessionTarget } from "./session.js";

/** The window user option that ties a window to its job folder. */
export const JOB_ID_OPTION = "@obg_id";

export interface StartWindowSpec {
  session: string;
  /** Unique, [a-z0-9-] only: tmux format-expands -n, and the start chain targets it by name. */
  windowName: string;
  jobId: string;
  /** Directory the window starts in (the wrapper then cd's to the job's real cwd). */
  startDirectory: string;
  /** argv of the pane's process (no shell in between). */
  argv: readonly string[];
  /** Shell command that pipe-pane runs to write the log (unescaped; the core builds it, see log-cap.ts). */
  pipeCommand: string;
}

export interface StartedWindow {
  windowId: string;
  paneId: string;
  panePid: number;
}

/** Starts a job window with its options and output capture in a single tmux invocation. */
export async function startWindow(client: TmuxClient, spec: StartWindowSpec): Promise<StartedWindow> {
  if (!/^[a-z0-9-]{1,80}$/.test(spec.windowName)) throw new Error(`unsafe window name "${spec.windowName}"`);
  const target = `${sessionTarget(spec.session)}:=${spec.windowName}`;
  const pipeCommand = escapePipeCommand(spec.pipeCommand);
  const output = await client.run(
    ["new-window", "-d", "-P", "-F", formatFields(["window_id", "pane_id", "pane_pid"]),
      "-t", `${sessionTarget(spec.session)}:`, "-n", spec.windowName, "-c", escapeFormat(spec.startDirectory),
      "--", ...spec.argv],
    // Per-window options: the user's ~/.tmux.conf may say otherwise globally.
    ["set-option", "-w", "-t", target, "remain-on-exit", "on"],
    ["set-option", "-w", "-t", target, "allow-rename", "off"],
    ["set-option", "-w", "-t", target, "automatic-rename", "off"],
    ["set-option", "-w", "-t", target, JOB_ID_OPTION, spec.jobId],
    ["pipe-pane", "-t", target, pipeCommand],
  );
  const [windowId, paneId, panePid] = splitFields(output.split("\n")[0] ?? "", 3);
  const parsed = StartedWindowSchema.parse({ windowId, paneId, panePid });
  return parsed;
}

const StartedWindowSchema = z.object({
  windowId: z.string().regex(/^@\d+$/),
  paneId: z.string().regex(/^%\d+$/),
  panePid: z.coerce.number().int().positive(),
});

const PANE_FIELDS = ["pane_id", "window_id", "pane_pid", "pane_dead", "pane_dead_status", "pane_dead_signal", JOB_ID_OPTION, "window_name"] as const;

const PaneRowSchema = z.object({
  paneId: z.string().regex(/^%\d+$/),
  windowId: z.string().regex(/^@\d+$/),
  panePid: z.coerce.number().int(),
  dead: z.string().transform((value) => value === "1"),
  deadStatus: z.string().transform(optionalInt),
  deadSignal: z.string().transform(optionalInt),
  jobId: z.string().transform((value) => value || undefined),
  windowName: z.string(),
});
export type PaneRow = z.infer<typeof PaneRowSchema>;

/** Every pane of the session, with its job id (if it is a job window) and its exit state. */
export async function listPanes(client: TmuxClient, session: string): Promise<PaneRow[]> {
  let output: string;
  try {
    output = await client.run(["list-panes", "-s", "-t", sessionTarget(session), "-F", formatFields(PANE_FIELDS)]);
  } catch (error) {
    if (error instanceof TmuxServerGoneError || error instanceof TmuxTargetGoneError) return [];
    throw error;
  }
  return output
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => {
      const [paneId, windowId, panePid, dead, deadStatus, deadSignal, jobId, windowName] = splitFields(line, PANE_FIELDS.length);
      return PaneRowSchema.parse({ paneId, windowId, panePid, dead, deadStatus, deadSignal, jobId, windowName });
    });
}

/** Reads one pane's exit state; undefined when the pane (or the server) is gone. */
export async function readPane(client: TmuxClient, paneId: string): Promise<PaneRow | undefined> {
  try {
    const line = await client.run(["display-message", "-p", "-t", paneId, formatFields(PANE_FIELDS)]);
    const [id, windowId, panePid, dead, deadStatus, deadSignal, jobId, windowName] = splitFields(line, PANE_FIELDS.length);
    // display-message does not fail on a pane that is gone: it prints the fields empty.
    if (id !== paneId) return undefined;
    return PaneRowSchema.parse({ paneId: id, windowId, panePid, dead, deadStatus, deadSignal, jobId, windowName });
  } catch (error) {
    if (error instanceof TmuxServerGoneError || error instanceof TmuxTargetGoneError) return undefined;
    throw error;
  }
}

/**
 * The pane if it still carries job `jobId`: pane and window ids restart with the tmux server, so
 * an id alone may name another job's (or a person's) window by now.
 */
export async function readJobPane(client: TmuxClient, paneId: string, jobId: string): Promise<PaneRow | undefined> {
  const pane = await readPane(client, paneId).catch(() => undefined);
  return pane?.jobId === jobId ? pane : undefined;
}

/** Closes a window; a window that is already gone is not an error. */
export async function killWindow(client: TmuxClient, windowId: string): Promise<void> {
  try {
    await client.run(["kill-window", "-t", windowId]);
  } catch (error) {
    if (error instanceof TmuxServerGoneError || error instanceof TmuxTargetGoneError) return;
    throw error;
  }
}

/** Types literal text into a pane (optionally pressing Enter), then named keys such as C-c. */
export async function sendToPane(client: TmuxClient, paneId: string, input: { text?: string; keys?: readonly string[]; enter?: boolean }): Promise<void> {
  const commands: string[][] = [];
  if (input.text) commands.push(["send-keys", "-t", paneId, "-l", "--", input.text]);
  for (const key of input.keys ?? []) commands.push(["send-keys", "-t", paneId, "--", key]);
  if (input.enter) commands.push(["send-keys", "-t", paneId, "Enter"]);
  // Typed text is user input: argv only, never a tmux command line.
  if (commands.length > 0) await client.runSpawned(...commands);
}

/** Stops output capture of a pane (pipe-pane without a command closes the pipe). */
export async function closePipe(client: TmuxClient, paneId: string): Promise<void> {
  await client.run(["pipe-pane", "-t", paneId]);
}

/** Re-attaches output capture to a pane whose log file was deleted (closes the old pipe first). */
export async function repipePane(client: TmuxClient, paneId: string, pipeCommand: string): Promise<void> {
  await client.run(["pipe-pane", "-t", paneId], ["pipe-pane", "-t", paneId, escapePipeCommand(pipeCommand)]);
}

function optionalInt(value: string): number | undefined {
  if (value === "") return undefined;
  const number = Number.parseInt(value, 10);
  return Number.isNaN(number) ? undefined : number;
}

/** Whether the pane's output pipe (pipe-pane) still runs; false when the pane or server is gone. */
export async function panePipeOpen(client: TmuxClient, paneId: string): Promise<boolean> {
  try {
    return (await client.run(["display-message", "-p", "-t", paneId, "#{pane_id} #{pane_pipe}"])).trim() === `${paneId} 1`;
  } catch (error) {
    if (error instanceof TmuxServerGoneError || error instanceof TmuxTargetGoneError) return false;
    throw error;
  }
}
