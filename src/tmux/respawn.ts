// Restarting a job in its own window: the pane gets a new process (same window and pane ids),
// and if its output capture was closed (the job had finished) it is opened again in the SAME
// tmux invocation, which tmux runs before it reads the new pty, so no early output is lost.
// A pipe that is still open survives respawn-pane (measured on tmux 3.3a) and is left alone.
import { z } from "zod";
import type { TmuxClient } from "./client.js";
import { escapeFormat, escapePipeCommand } from "./escape.js";

/** What respawnPane needs: the pane, and the new process with its directory and log writer. */
export interface RespawnSpec {
  paneId: string;
  /** Directory the new process starts in. */
  startDirectory: string;
  /** argv of the new process (no shell in between). */
  argv: readonly string[];
  /** Shell command for pipe-pane (tmux escaping is done here), used only when the pane is not piped. */
  pipeCommand: string;
}

/** Replaces a pane's process (killing what is left of the old one); returns the new pane pid. */
export async function respawnPane(client: TmuxClient, spec: RespawnSpec): Promise<number> {
  const piped = (await client.run(["display-message", "-p", "-t", spec.paneId, "#{pane_pipe}"])).trim() === "1";
  const commands: string[][] = [["respawn-pane", "-k", "-t", spec.paneId, "-c", escapeFormat(spec.startDirectory), "--", ...spec.argv]];
  if (!piped) commands.push(["pipe-pane", "-t", spec.paneId, escapePipeCommand(spec.pipeCommand)]);
  commands.push(["display-message", "-p", "-t", spec.paneId, "#{pane_pid}"]);
  const output = await client.run(...commands);
  return PanePidSchema.parse(output.trim().split("\n").at(-1));
}

const PanePidSchema = z.coerce.number().int().positive();
