// What a person runs to look at (and type into) a job's window: `tmux [socket] attach-session -t
// =session[:@window]`. Argv only; the caller runs it on its terminal.
import type { TmuxClient } from "./client.js";
import { sessionTarget } from "./session.js";

/** The attach argv for `session` (and `windowId` in it, if known) on the server `socketArgs` selects. */
export function attachArgv(socketArgs: readonly string[], session: string, windowId?: string): string[] {
  const target = `${sessionTarget(session)}${windowId ? `:${windowId}` : ""}`;
  return ["tmux", ...socketArgs, "attach-session", "-t", target];
}

/** The socket args a person needs for `client`'s server: none for the user's default server. */
export function socketArgsFor(client: TmuxClient, defaultSocketPath: string): string[] {
  return client.socketPath === defaultSocketPath ? [] : client.socketArgs;
}
