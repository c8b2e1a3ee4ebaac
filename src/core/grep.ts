// Line filters for output reads. Patterns come from a model or a person, so they run on RE2
// (re2js: linear time, no backtracking) with a capped length: no pattern can hang the plugin.
import { RE2JS, RE2JSException } from "re2js";
import { InvalidInputError } from "./errors.js";

/** Longest grep pattern accepted, in characters: long enough for any real filter. */
export const GREP_MAX_CHARS = 500;

/** A compiled filter: `test` says whether a line contains a match. */
export interface LineFilter {
  readonly pattern: string;
  test(line: string): boolean;
}

/** Compiles a grep pattern (RE2 syntax: no lookaround or backreferences; `(?i)` ignores case). */
export function compileGrep(pattern: string): LineFilter {
  if (typeof pattern !== "string" || pattern === "") throw new InvalidInputError("grep is empty: give a regular expression, e.g. \"error|warn\".");
  if (pattern.length > GREP_MAX_CHARS) {
    throw new InvalidInputError(`grep is ${pattern.length} characters; the limit is ${GREP_MAX_CHARS}.`);
  }
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern);
  } catch (error) {
    const reason = error instanceof RE2JSException ? error.message.replace(/^error parsing regexp: /, "") : String(error);
    throw new InvalidInputError(`grep "${pattern.slice(0, 80)}" is not a valid RE2 regular expression (no lookaround or backreferences; (?i) ignores case): ${reason}.`);
  }
  return { pattern, test: (line) => re.test(line) };
}
