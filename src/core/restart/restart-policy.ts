// Automatic restarts, as pure decisions: which policy a create request asks for, whether a job
// that ended should be restarted, and how long to wait first (exponential backoff). Every
// instance that sees the same files reaches the same answer.
import { InvalidInputError } from "../errors.js";
import type { JobOutcome } from "../job/job-files.js";

/** Most automatic restarts a job may ask for. */
export const MAX_RESTARTS_LIMIT = 100;
/** Automatic restarts when restart is "on-failure" and maxRestarts is not given. */
export const DEFAULT_MAX_RESTARTS = 5;

/** What meta.json keeps: restart a job that failed by itself, at most maxRestarts times. */
export interface RestartPolicy {
  policy: "on-failure";
  maxRestarts: number;
}

/** Checks the create arguments; undefined = never restart automatically. */
export function validateRestartPolicy(restart: unknown, maxRestarts: unknown): RestartPolicy | undefined {
  if (restart !== undefined && restart !== "never" && restart !== "on-failure") {
    throw new InvalidInputError(`restart must be "on-failure" or "never"; got ${JSON.stringify(restart)?.slice(0, 40)}.`);
  }
  if (maxRestarts !== undefined) {
    if (typeof maxRestarts !== "number" || !Number.isInteger(maxRestarts) || maxRestarts < 0 || maxRestarts > MAX_RESTARTS_LIMIT) {
      throw new InvalidInputError(`maxRestarts must be a whole number from 0 to ${MAX_RESTARTS_LIMIT}; got ${JSON.stringify(maxRestarts)?.slice(0, 40)}.`);
    }
    if (restart !== "on-failure") throw new InvalidInputError('maxRestarts only applies with restart: "on-failure".');
  }
  return restart === "on-failure" ? { policy: "on-failure", maxRestarts: (maxRestarts as number | undefined) ?? DEFAULT_MAX_RESTARTS } : undefined;
}

/** Wait before automatic restart number `done + 1`: base, 2x base, 4x base ... capped at max. */
export function backoffMs(done: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(0, done), 30));
}

export interface AutoRestartFacts {
  policy: RestartPolicy | undefined;
  outcome: JobOutcome | undefined;
  /** Automatic restarts since the job was created or last restarted by hand. */
  automaticDone: number;
  /** A kill through the tools/CLI came after the job failed: no more automatic restarts. */
  stopped: boolean;
}

/** Whether a job that ended is due an automatic restart: it failed by itself and has restarts left. */
export function wantsAutoRestart(facts: AutoRestartFacts): boolean {
  const { policy, outcome } = facts;
  if (!policy || !outcome || facts.stopped) return false;
  if (outcome.status !== "failed" || outcome.requested === true) return false;
  return facts.automaticDone < policy.maxRestarts;
}
