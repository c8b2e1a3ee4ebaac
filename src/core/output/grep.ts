// Line filters for output reads. Patterns come from a model or a person: see safe-regex.ts.
import { InvalidInputError } from "../errors.js";
import { compileSafePattern, PATTERN_MAX_CHARS } from "./safe-regex.js";

/** Longest grep pattern accepted, in characters. */
export const GREP_MAX_CHARS = PATTERN_MAX_CHARS;

/** A compiled filter: `test` says whether a line contains a match. */
export interface LineFilter {
  readonly pattern: string;
  test(line: string): boolean;
}

/** Compiles a grep pattern (RE2 syntax: no lookaround or backreferences; `(?i)` ignores case). */
export function compileGrep(pattern: string): LineFilter {
  if (typeof pattern !== "string" || pattern === "") throw new InvalidInputError("grep is empty: give a regular expression, e.g. \"error|warn\".");
  const re = compileSafePattern(pattern, { field: "grep", subject: `grep "${pattern.slice(0, 80)}"` });
  return { pattern, test: (line) => re.test(line) };
}
