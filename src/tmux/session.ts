// The dedicated tmux session that holds every job window. Safe when several OpenCode processes
// start at once, and kept alive by a placeholder window so closing the last job window never
// destroys the session (and with it the server).
import { TmuxClient } from "./client.js";
import { TmuxError, TmuxServerGoneError, TmuxTargetGoneError } from "./errors.js";
import { formatFields, splitFields } from "./escape.js";

export const PLACEHOLDER_WINDOW_NAME = "obg-home";

// What a person sees in the first window after `tmux attach -t opencode-bg`. Fixed text only.
const PLACEHOLDER_SCRIPT = [
  "printf '%s\\n' 'opencode-bg: background processes started by OpenCode live in the other windows of this session.'",
  "printf '%s\\n' 'Switch windows with C-b n / C-b p, or pick one with C-b w. Detach with C-b d.'",
  "printf '%s\\n' 'List them from a shell with: npx opencode-bg ls'",
  "exec tail -f /dev/null",
].join("; ");

export interface SessionInfo {
  name: string;
  /** The tmux server's pid: when it dies, every job window died with it. */
  serverPid: number;
  /** The server's socket (`#{socket_path}`): how any other process reaches this server. */
  socketPath: string;
}

/** Session names end up in tmux targets: keep them to characters tmux never reinterprets. */
export function assertSessionName(name: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) {
    throw new TmuxError(`Invalid tmux session name "${name}": use 1-64 letters, digits, "_" or "-".`);
  }
  return name;
}

/** Exact-match target for a session: `-t name` alone would also match `name-else` by prefix. */
export function sessionTarget(name: string): string {
  return `=${name}`;
}

/** Makes sure the session exists (creating it if needed) and returns the server's pid. */
export async function ensureSession(client: TmuxClient, name: string): Promise<SessionInfo> {
  assertSessionName(name);
  const existing = await readServer(client, name);
  if (existing !== undefined) return { name, ...existing };
  try {
    const output = await client.runRetrying(
      ["new-session", "-d", "-P", "-F", SERVER_FORMAT, "-s", name, "-n", PLACEHOLDER_WINDOW_NAME, "-x", "200", "-y", "50", "--", "sh", "-c", PLACEHOLDER_SCRIPT],
      // A user's config may destroy unattached sessions; ours must stay while nobody watches.
      ["set-option", "-t", `${sessionTarget(name)}:`, "destroy-unattached", "off"],
    );
    return { name, ...parseServer(output) };
  } catch (error) {
    // Another OpenCode created it between our check and our new-session: that is success.
    if (error instanceof TmuxError && /duplicate session/i.test(error.stderr)) {
      const server = await readServer(client, name);
      if (server !== undefined) return { name, ...server };
    }
    throw error;
  }
}

const SERVER_FORMAT = formatFields(["pid", "socket_path"]);

async function readServer(client: TmuxClient, name: string): Promise<{ serverPid: number; socketPath: string } | undefined> {
  try {
    // display-message does not fail on a target it cannot find (tmux 3.2a to 3.7c): it prints
    // the format without one, and #{pid} is the server's. Nor does "=name" alone find a session
    // as a pane target; "=name:" does. So it must also say WHICH session answered.
    const target = `${sessionTarget(name)}:`;
    const [session, rest] = splitFields(await client.run(["display-message", "-p", "-t", target, formatFields(["session_name", "pid", "socket_path"])]), 2);
    return session === name ? parseServer(rest ?? "") : undefined;
  } catch (error) {
    if (error instanceof TmuxServerGoneError || error instanceof TmuxTargetGoneError) return undefined;
    throw error;
  }
}

function parseServer(output: string): { serverPid: number; socketPath: string } {
  const [pidText, socketPath] = splitFields(output.split("\n")[0] ?? "", 2);
  const pid = Number.parseInt(pidText ?? "", 10);
  if (!Number.isInteger(pid) || pid <= 0) throw new TmuxError(`tmux did not report a server pid (got "${output}")`);
  return { serverPid: pid, socketPath: socketPath ?? "" };
}
