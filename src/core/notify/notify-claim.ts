// Who delivers a job's notifications: its owner while the owner lives; after that a chain of
// successors, one file per step. When the current holder X is dead, the next holder is whoever
// first creates `notify-claim.after-<X's instanceId>`. The file is written whole under a temp
// name and hard-linked into place: link() fails with EEXIST when the name is taken, so exactly
// one instance wins each step, with no read-back race (the old single claim file, written then
// read back, let two claimants both win: every marker twice in 4 of 8 trials).
import { promises as fs } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { createExclusive, readJson } from "../job/job-files.js";

export const NotifyHolderSchema = z.object({ instanceId: z.string(), pid: z.number().int() });
export type NotifyHolder = z.infer<typeof NotifyHolderSchema>;

/** The succession file naming who took over from `instanceId`. */
export function claimFileAfter(jobDir: string, instanceId: string): string {
  return path.join(jobDir, `notify-claim.after-${instanceId}`);
}

/** Longest chain walked; more steps than this means something rewrote the files, not real deaths. */
const MAX_STEPS = 1000;

export interface ClaimResult {
  /** The live holder at the end of the chain (possibly `me`). */
  holder: NotifyHolder;
  mine: boolean;
}

/**
 * Walks the chain from the owner to its last live holder; if the last one is dead, tries to
 * take its place (and, losing that race, follows whoever won). `isAlive` decides liveness.
 */
export async function resolveNotifyHolder(jobDir: string, owner: NotifyHolder, me: NotifyHolder, isAlive: (pid: number) => boolean): Promise<ClaimResult> {
  let current = owner;
  for (let step = 0; step < MAX_STEPS; step++) {
    if (current.instanceId === me.instanceId) return { holder: current, mine: true };
    const file = claimFileAfter(jobDir, current.instanceId);
    const next = await readJson(file, NotifyHolderSchema);
    if (next) {
      current = next;
      continue;
    }
    if (isAlive(current.pid)) return { holder: current, mine: false };
    if (await createExclusive(file, `${JSON.stringify(me)}\n`)) return { holder: me, mine: true };
    // Someone else took this step first: follow them.
  }
  throw new Error(`notification claim chain in ${jobDir} is longer than ${MAX_STEPS} steps`);
}
