// Typing into a running job's window (the input itself is checked first: send-input.ts).
import { TmuxServerGoneError, TmuxTargetGoneError } from "../../tmux/errors.js";
import { sendToPane } from "../../tmux/windows.js";
import { InvalidInputError } from "../errors.js";
import type { Job } from "../job/job.js";
import type { TmuxServers } from "../launch/tmux-servers.js";

/** Types text and/or named keys into the job's pane; a job that is not running, or lost its window, says so. */
export async function sendInput(job: Job, servers: TmuxServers, input: { text?: string; keys?: readonly string[]; enter?: boolean }): Promise<void> {
  if (job.status !== "running" || !job.started) throw new InvalidInputError(`job ${job.id} is ${job.status}; only a running job takes input (restartProcess runs it again).`);
  try {
    await sendToPane(servers.for(job.started), job.started.paneId, input);
  } catch (error) {
    if (error instanceof TmuxTargetGoneError || error instanceof TmuxServerGoneError) {
      throw new InvalidInputError(`job ${job.id}'s tmux window is gone; it cannot take input.`);
    }
    throw error;
  }
}
