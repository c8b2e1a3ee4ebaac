// What a waiter waits for, checked at the core's boundary: the job's exit, an output line
// matching a pattern (RE2 syntax, linear time, so no pattern can hang the plugin), or a TCP port
// on loopback accepting connections. Pure: no I/O.
import type { RE2JS } from "re2js";
import { InvalidInputError } from "../errors.js";
import { compileSafePattern, PATTERN_MAX_CHARS } from "../output/safe-regex.js";

/** Bounds of a wait, shared by the core, the tools and their argument schemas. */
export const WAIT_LIMITS = {
  patternChars: PATTERN_MAX_CHARS,
  timeoutMsMax: 10 * 60 * 1000,
  timeoutMsDefault: 60 * 1000,
} as const;

/** A validated wait condition; `pattern` carries the compiled RE2 program. */
export type WaitCondition =
  | { kind: "exit" }
  | { kind: "pattern"; source: string; ignoreCase: boolean; regex: RE2JS }
  | { kind: "port"; port: number };

/** What callers may pass: "exit", { pattern, ignoreCase? } or { port }. */
export type WaitConditionInput = "exit" | { pattern: string; ignoreCase?: boolean | undefined } | { port: number };

// Conditions made here, so a caller's look-alike object is validated rather than trusted.
const parsedConditions = new WeakSet<WaitCondition>();

/** True for a condition returned by parseWaitCondition. */
export function isWaitCondition(value: unknown): value is WaitCondition {
  return typeof value === "object" && value !== null && parsedConditions.has(value as WaitCondition);
}

/**
 * Checks and compiles a condition; throws InvalidInputError naming `field` and the limit. With
 * `field` "" the parts are named bare ("pattern", "port"), as the tools' flat arguments are.
 */
export function parseWaitCondition(input: unknown, field = "until"): WaitCondition {
  if (isWaitCondition(input)) return input;
  const condition = parseUnchecked(input, field);
  parsedConditions.add(condition);
  return condition;
}

function parseUnchecked(input: unknown, field: string): WaitCondition {
  if (input === "exit") return { kind: "exit" };
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new InvalidInputError(`${field} must be "exit", { "pattern": "<regex>" } or { "port": <1-65535> }; got ${describe(input)}.`);
  }
  const record = input as Record<string, unknown>;
  const hasPattern = record.pattern !== undefined;
  const hasPort = record.port !== undefined;
  if (hasPattern === hasPort) {
    throw new InvalidInputError(`${field} must have exactly one of "pattern" or "port"; got ${describe(input)}.`);
  }
  const prefix = field ? `${field}.` : "";
  if (hasPort) return { kind: "port", port: parsePort(record.port, `${prefix}port`) };
  return compilePattern(record.pattern, record.ignoreCase, `${prefix}pattern`);
}

/** A bounded timeout: default when absent, an error naming the field when out of range. */
export function parseWaitTimeout(value: unknown, field = "timeoutMs"): number {
  if (value === undefined) return WAIT_LIMITS.timeoutMsDefault;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > WAIT_LIMITS.timeoutMsMax) {
    throw new InvalidInputError(`${field} must be a whole number of milliseconds from 0 to ${WAIT_LIMITS.timeoutMsMax} (10 minutes); got ${describe(value)}.`);
  }
  return value;
}

/** Whether one clean output line satisfies a pattern condition. */
export function lineMatches(condition: Extract<WaitCondition, { kind: "pattern" }>, line: string): boolean {
  return condition.regex.test(line);
}

/** A short description for results: `exit`, `pattern /x/`, `port 3000`. */
export function describeCondition(condition: WaitCondition): string {
  switch (condition.kind) {
    case "exit": return "exit";
    case "pattern": return `pattern /${condition.source}/${condition.ignoreCase ? "i" : ""}`;
    case "port": return `port ${condition.port}`;
  }
}

function parsePort(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > 65535) {
    throw new InvalidInputError(`${field} must be a whole number from 1 to 65535; got ${describe(value)}.`);
  }
  return value;
}

function compilePattern(value: unknown, ignoreCase: unknown, field: string): WaitCondition {
  if (typeof value !== "string" || value === "") throw new InvalidInputError(`${field} must be a non-empty regular expression; got ${describe(value)}.`);
  if (ignoreCase !== undefined && typeof ignoreCase !== "boolean") throw new InvalidInputError(`${field.replace(/pattern$/, "ignoreCase")} must be true or false.`);
  const regex = compileSafePattern(value, { field, ignoreCase: ignoreCase === true });
  return { kind: "pattern", source: value, ignoreCase: ignoreCase === true, regex };
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}
