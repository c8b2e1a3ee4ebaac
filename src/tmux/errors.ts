// Typed tmux failures, so callers can tell "tmux is missing" from "that window is gone" without
// parsing stderr themselves.

export class TmuxError extends Error {
  constructor(message: string, readonly stderr = "", options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The tmux binary is not installed (spawn ENOENT). */
export class TmuxNotFoundError extends TmuxError {
  constructor(options?: { cause?: unknown }) {
    super("tmux not found on PATH; install tmux >= 3.2", "", options);
  }
}

/** tmux exists but is older than the features we rely on (attach-session -f of the control client, 3.2). */
export class TmuxVersionError extends TmuxError {}

/** No server answers on the socket: it was never started, or it was killed under us. */
export class TmuxServerGoneError extends TmuxError {}

/** The session, window or pane named by a target does not exist (any more). */
export class TmuxTargetGoneError extends TmuxError {}

const SERVER_GONE = [/no server running/i, /server exited unexpectedly/i, /lost server/i, /error connecting to/i];
const TARGET_GONE = [/can't find (session|window|pane)/i, /no such (session|window|pane)/i, /session not found/i, /window not found/i, /pane not found/i];

/** Maps a failed tmux invocation's stderr to the most specific error class. */
export function classifyTmuxFailure(args: readonly string[], stderr: string, exitCode?: number): TmuxError {
  const text = stderr.trim();
  const what = `tmux ${args[0] ?? ""} failed${exitCode === undefined ? "" : ` (exit ${exitCode})`}: ${text || "no message"}`;
  if (SERVER_GONE.some((re) => re.test(text))) return new TmuxServerGoneError(`tmux server is not running: ${text}`, text);
  if (TARGET_GONE.some((re) => re.test(text))) return new TmuxTargetGoneError(what, text);
  return new TmuxError(what, text);
}
