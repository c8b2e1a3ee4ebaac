// Attaching a person to a job's window: the attach argv (`tmux [socket] attach-session -t
// =session[:@window]`, argv only, run by the caller on its terminal), and what `opencode-bg attach`
// asks tmux: which server a client is on, whether a window is still a job's, the switch-client
// form of an attach, and a finished job's last screen put back.
import { setTimeout as sleep } from "node:timers/promises";
import type { TmuxClient } from "./client.js";
import { sessionTarget } from "./session.js";
import { pokeServer } from "./server.js";
import { TmuxError, TmuxNotFoundError, TmuxServerGoneError, TmuxTargetGoneError } from "./errors.js";

/** The socket path of the client's server ("" when it cannot be asked). */
export async function serverSocketPath(client: TmuxClient): Promise<string> {
  return (await client.run(["display-message", "-p", "#{socket_path}"]).catch(() => "")).trim();
}

/** The value of a user option (e.g. @obg_id) of a window; undefined when the window or server is gone. */
export async function windowOption(client: TmuxClient, windowId: string, option: string): Promise<string | undefined> {
  try {
    return (await client.run(["display-message", "-p", "-t", windowId, `#{${option}}`])).trim();
  } catch (error) {
    if (error instanceof TmuxTargetGoneError || error instanceof TmuxServerGoneError) return undefined;
    if (error instanceof TmuxNotFoundError || !(error instanceof TmuxError)) throw error;
    return undefined;
  }
}

/** `tmux ... attach-session -t X` as `tmux ... switch-client -t X`, for a client already inside that server. */
export function switchClientArgv(attachArgv: readonly string[]): string[] {
  return attachArgv.map((arg) => (arg === "attach-session" ? "switch-client" : arg));
}

/** Lines of the log a finished pane is refilled with: a tall terminal's screen plus some scrollback. */
export const LAST_SCREEN_LINES = 500;
/** Longest wait for the refill to finish (measured: tens of ms; more under load). */
const REFILL_WAIT_MS = 3000;

// $1 lines, $2 log, $3 pane rows, $4 exit code. A short log is preceded by blank rows so that
// its last line still sits just above the bottom row, where tmux writes "Pane is dead". The pause
// before exiting lets tmux draw the output first: it can mark the pane dead before it has read
// the last of its output (then the attach showed only "Pane is dead", 2 of 2 once the CLI exited
// at once), and it keeps the pane alive long enough to be seen alive (see showLastScreen).
const LAST_SCREEN_SCRIPT = 'n=$(tail -n "$1" -- "$2" 2>/dev/null | wc -l); while [ "$n" -lt "$3" ]; do echo; n=$((n+1)); done; tail -n "$1" -- "$2" 2>/dev/null; sleep 0.1; exit "$4"';

/**
 * Puts a finished job's last output back on its dead pane's screen. Why: when the process exits,
 * tmux moves the cursor to the pane's last row to write "Pane is dead (status N, time)", leaving
 * the output at the top and blank rows between (a short output); a client smaller than the window (every attach
 * from a normal terminal, the window being 200x50) then shrinks the pane around the cursor, so the
 * output goes into scrollback and the screen shows only that message. Printing the log's tail
 * into the pane (after blank rows when it is short) ends the output on the row just above the message, which a resize keeps.
 * How (tmux 3.2a..3.7c; remain-on-exit-format would need 3.3): clear the pane's history, then
 * respawn-pane runs `tail` of the log and exits with the job's own code, so the message still
 * gives the job's status; the pane's output pipe is closed first (nothing is added to the log).
 * Returns false (and does nothing) when the pane is alive.
 */
export async function showLastScreen(client: TmuxClient, spec: { paneId: string; logPath: string; exitCode: number }): Promise<boolean> {
  const [dead, height, piped] = (await client.run(["display-message", "-p", "-t", spec.paneId, "#{pane_dead} #{pane_height} #{pane_pipe}"])).trim().split(" ");
  if (dead !== "1") return false;
  const rows = Number.parseInt(height ?? "", 10) || 24;
  const code = Number.isInteger(spec.exitCode) && spec.exitCode >= 0 && spec.exitCode <= 255 ? spec.exitCode : 1;
  await client.run(
    ["clear-history", "-t", spec.paneId],
    // argv, no shell line built from values: the values reach the script as $1..$4.
    ["respawn-pane", "-k", "-t", spec.paneId, "--", "sh", "-c", LAST_SCREEN_SCRIPT, "opencode-bg-last-screen", String(LAST_SCREEN_LINES), spec.logPath, String(rows), String(code)],
    // The job's output pipe survives respawn-pane; tmux >= 3.3 refuses pipe-pane on a dead pane,
    // so it is closed here, in the same invocation, which tmux runs before it reads the new pty.
    ...(piped === "1" ? [["pipe-pane", "-t", spec.paneId]] : []),
  );
  // Until `tail` has drawn and exited, so the attach sees the final screen: alive first (right
  // after respawn-pane, pane_dead can still read 1), then dead WITH its status: tmux marks the
  // pane dead when its terminal closes and writes "Pane is dead (status N)" only once it reaped
  // the process (a screen captured in between had the output but not the message). tmux 3.3a can
  // miss that SIGCHLD: the server is sent one if the status stays empty.
  let seenAlive = false;
  let poked = false;
  for (const deadline = Date.now() + REFILL_WAIT_MS; Date.now() < deadline; await sleep(20)) {
    const state = await client.run(["display-message", "-p", "-t", spec.paneId, "#{pane_dead}|#{pane_dead_status}#{pane_dead_signal}|#{pid}"]).catch(() => undefined);
    if (state === undefined) break; // the pane or its server went away
    const [dead, status, serverPid] = state.trim().split("|");
    if (dead !== "1") seenAlive = true;
    else if (seenAlive && status) break;
    else if (seenAlive && !poked) {
      poked = true;
      await pokeServer(Number(serverPid));
    }
  }
  return true;
}

/** The attach argv for `session` (and `windowId` in it, if known) on the server `socketArgs` selects. */
export function attachArgv(socketArgs: readonly string[], session: string, windowId?: string): string[] {
  const target = `${sessionTarget(session)}${windowId ? `:${windowId}` : ""}`;
  return ["tmux", ...socketArgs, "attach-session", "-t", target];
}

/** The socket args a person needs for `client`'s server: none for the user's default server. */
export function socketArgsFor(client: TmuxClient, defaultSocketPath: string): string[] {
  return client.socketPath === defaultSocketPath ? [] : client.socketArgs;
}
