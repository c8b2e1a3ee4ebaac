// The watch arguments (issue 12): createBackgroundProcess's `watch` and `notifyWhenReady`, and
// the readiness they ask for. Terse on purpose: tool definitions cost tokens on every request;
// the core validates and gives the message (limits, RE2 syntax).
import { tool } from "@opencode-ai/plugin";
import { InvalidInputError } from "../../core/errors.js";
import type { WaitCondition } from "../../core/wait/wait-condition.js";

const z = tool.schema;

export const watchArg = z.array(z.string()).optional();

export const notifyWhenReadyArg = z.boolean().optional();

/** The readiness to notify, from the parsed until condition; undefined when not asked for. */
export function readyFromWaitFor(waitFor: WaitCondition | undefined, notifyWhenReady: boolean | undefined): { pattern: string; ignoreCase?: boolean } | { port: number } | undefined {
  if (!notifyWhenReady) return undefined;
  if (waitFor === undefined) throw new InvalidInputError("notifyWhenReady needs until \"pattern\" (with pattern) or \"port\" (with port).");
  if (waitFor.kind === "exit") throw new InvalidInputError("notifyWhenReady with until \"exit\": use notifyOnExit instead.");
  return waitFor.kind === "port" ? { port: waitFor.port } : { pattern: waitFor.source, ...(waitFor.ignoreCase ? { ignoreCase: true } : {}) };
}

export { formatWatchLines } from "../watch-format.js";
