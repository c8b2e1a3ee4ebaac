// The tools' flat wait arguments, `until: "exit" | "pattern" | "port"` plus `pattern` / `port`,
// turned into a checked WaitCondition. Flat because a nested union cost the model ~1,400 schema
// characters per tool and a stringified value got an 840-character union error back; here every
// mistake gets one short message naming the argument.
import { InvalidInputError } from "../errors.js";
import { parseWaitCondition, type WaitCondition } from "./wait-condition.js";

export const UNTIL_VALUES = ["exit", "pattern", "port"] as const;

export interface FlatWaitArgs {
  until?: unknown;
  pattern?: unknown;
  port?: unknown;
}

/**
 * The condition the arguments ask for. `until` may be left out when `pattern` or `port` says it;
 * with none of the three the answer is `fallback` (waitForProcess: "exit"; create: no wait).
 */
export function waitConditionFromArgs(args: FlatWaitArgs, fallback: "exit" | undefined): WaitCondition | undefined {
  const hasPattern = args.pattern !== undefined;
  const hasPort = args.port !== undefined;
  if (args.until !== undefined && !(UNTIL_VALUES as readonly unknown[]).includes(args.until)) {
    throw new InvalidInputError(`until must be "exit", "pattern" (with pattern) or "port" (with port); got ${JSON.stringify(args.until)?.slice(0, 80)}.`);
  }
  if (hasPattern && hasPort) throw new InvalidInputError("give pattern or port, not both.");
  const until = args.until ?? (hasPattern ? "pattern" : hasPort ? "port" : fallback);
  if (until === undefined) return undefined;
  if (until === "exit") {
    if (hasPattern || hasPort) throw new InvalidInputError(`until "exit" takes no ${hasPattern ? "pattern" : "port"}; use until "${hasPattern ? "pattern" : "port"}".`);
    return parseWaitCondition("exit");
  }
  if (until === "pattern" && !hasPattern) throw new InvalidInputError("until \"pattern\" needs pattern: a regular expression an output line must match.");
  if (until === "port" && !hasPort) throw new InvalidInputError("until \"port\" needs port: the TCP port that must accept connections.");
  return parseWaitCondition(until === "pattern" ? { pattern: args.pattern } : { port: args.port }, "");
}
