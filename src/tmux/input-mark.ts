// Tells a person looking at tmux that a job waits for input: a window user option, a "⌨ " in
// front of the window's name in the status line (a per-window status format, undone by unsetting
// it, so the user's own format comes back), and a message to the clients showing that window.
// The window's NAME is never changed: the code targets windows by exact name (`=session:=name`).
import { TmuxClient } from "./client.js";
import { TmuxServerGoneError, TmuxTargetGoneError } from "./errors.js";
import { escapeFormat, FIELD_SEPARATOR, formatFields } from "./escape.js";

/** Window user option set to "1" while the job waits for input (for the user's own formats too). */
export const WAITING_OPTION = "@opencode-bg-waiting";
const FORMATS = ["window-status-format", "window-status-current-format"] as const;
/** How long the message stays on an attached client's status line. */
const MESSAGE_MS = 10_000;

/** Marks the window and shows `message` to the clients whose current window it is. */
export async function markWaiting(client: TmuxClient, windowId: string, message: string): Promise<void> {
  await quietly(async () => {
    // The formats in force (window options are set per window or globally), each with the marker in front.
    const current = await client.run(...FORMATS.map((name) => ["show-options", "-gwv", name]));
    const formats = current.split("\n").slice(0, FORMATS.length);
    await client.run(
      ["set-option", "-w", "-t", windowId, WAITING_OPTION, "1"],
      ...FORMATS.flatMap((name, index) => {
        const base = formats[index] ?? "";
        // Already marked (a second instance raced us): keep the format as it is.
        return base.includes(WAITING_OPTION) || base === "" ? [] : [["set-option", "-w", "-t", windowId, name, `#{?${WAITING_OPTION},⌨ ,}${base}`]];
      }),
    );
    // People's clients only: our own control-mode client shows nothing.
    const clients = await client.run(["list-clients", "-F", formatFields(["client_name", "window_id", "client_control_mode"])]);
    const names = clients.split("\n").map((line) => line.split(FIELD_SEPARATOR)).filter(([, window, control]) => window === windowId && control !== "1").map(([name]) => name ?? "");
    // The message is process output: argv (spawned), and escaped for the format expansion tmux applies.
    const text = escapeFormat(`opencode-bg: ${message}`);
    for (const name of names.filter(Boolean)) await client.runSpawned(["display-message", "-c", name, "-d", String(MESSAGE_MS), text]);
  });
}

/** Takes the marks off again (the user's status formats return). */
export async function unmarkWaiting(client: TmuxClient, windowId: string): Promise<void> {
  await quietly(() => client.run(
    ["set-option", "-w", "-u", "-t", windowId, WAITING_OPTION],
    ...FORMATS.map((name) => ["set-option", "-w", "-u", "-t", windowId, name]),
  ));
}

/** Whether the window carries the mark (for tests and the CLI). */
export async function isMarkedWaiting(client: TmuxClient, windowId: string): Promise<boolean> {
  const value = await client.run(["show-options", "-wqv", "-t", windowId, WAITING_OPTION]).catch(() => "");
  return value.trim() === "1";
}

/** A window or server that is gone has nothing left to mark. */
async function quietly(action: () => Promise<unknown>): Promise<void> {
  try {
    await action();
  } catch (error) {
    if (error instanceof TmuxServerGoneError || error instanceof TmuxTargetGoneError) return;
    throw error;
  }
}
