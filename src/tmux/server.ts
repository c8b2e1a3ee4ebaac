// Questions about a tmux server itself (not its windows): which process it is, and what it gives
// panes. Used by the core to start wrappers in a clean environment and to check it reaches a job's server.
import { setTimeout as sleep } from "node:timers/promises";
import type { TmuxClient } from "./client.js";

/** The TERM tmux gives panes (`default-terminal`), or undefined if the server does not say. */
export async function defaultTerminal(client: TmuxClient): Promise<string | undefined> {
  return (await client.run(["show-options", "-gv", "default-terminal"]).catch(() => "")).trim() || undefined;
}

/** The pid of the server this client reaches, or undefined when none answers. */
export async function serverPid(client: TmuxClient): Promise<number | undefined> {
  const pid = Number.parseInt(await client.run(["display-message", "-p", "#{pid}"]).catch(() => ""), 10);
  return Number.isNaN(pid) ? undefined : pid;
}

/**
 * tmux 3.3a can miss a SIGCHLD and leave a dead pane's pane_dead_status empty: sending the server
 * one makes it reap the child and fill the status in. Waits `settleMs` for it to do so.
 */
export async function pokeServer(pid: number, settleMs = 50): Promise<void> {
  try {
    process.kill(pid, "SIGCHLD");
  } catch {
    // The server is gone; the caller's next read says so.
  }
  await sleep(settleMs);
}
