// Taking the opencode-bg session down (`opencode-bg purge`): only a session that holds nothing
// but opencode-bg's own windows is killed, and never the server itself. A server whose last
// session this was exits by itself (tmux's exit-empty), so a user's other sessions are safe.
import type { TmuxClient } from "./client.js";
import { TmuxServerGoneError, TmuxTargetGoneError } from "./errors.js";
import { PLACEHOLDER_WINDOW_NAME, assertSessionName, sessionTarget } from "./session.js";
import { listPanes } from "./windows.js";

export interface SessionWindows {
  /** Windows opencode-bg made: its home window and job windows (they carry the job id option). */
  ours: string[];
  /** Windows someone else opened in the session (e.g. `C-b c` while attached). */
  foreign: string[];
}

/** The session's windows, split by who made them; undefined when there is no such session. */
export async function inspectSession(client: TmuxClient, name: string): Promise<SessionWindows | undefined> {
  assertSessionName(name);
  const panes = await listPanes(client, name);
  if (panes.length === 0) return undefined;
  const ours: string[] = [];
  const foreign: string[] = [];
  for (const pane of panes) {
    const mine = pane.jobId !== undefined || pane.windowName === PLACEHOLDER_WINDOW_NAME;
    (mine ? ours : foreign).push(pane.windowName);
  }
  return { ours, foreign };
}

/** Kills the session (exact name match); false when it was already gone. */
export async function killSession(client: TmuxClient, name: string): Promise<boolean> {
  assertSessionName(name);
  try {
    await client.runSpawned(["kill-session", "-t", sessionTarget(name)]);
    return true;
  } catch (error) {
    if (error instanceof TmuxServerGoneError || error instanceof TmuxTargetGoneError) return false;
    throw error;
  }
}
