// Patterns from a model or a person (grep, waitFor) run on RE2 (re2js: linear time, no
// backtracking) under a length cap, so no pattern can hang the plugin. One place for both.
import { RE2JS, RE2JSException } from "re2js";
import { InvalidInputError } from "../errors.js";

/** Longest pattern accepted, in characters: long enough for any real filter. */
export const PATTERN_MAX_CHARS = 500;

/**
 * Compiles `pattern` or throws InvalidInputError: `field` names it in the length error,
 * `subject` in the syntax error (e.g. `grep "(a"`).
 */
export function compileSafePattern(pattern: string, options: { field: string; subject?: string; ignoreCase?: boolean }): RE2JS {
  if (pattern.length > PATTERN_MAX_CHARS) {
    throw new InvalidInputError(`${options.field} is ${pattern.length} characters; the limit is ${PATTERN_MAX_CHARS}.`);
  }
  try {
    return RE2JS.compile(pattern, options.ignoreCase ? RE2JS.CASE_INSENSITIVE : 0);
  } catch (error) {
    const reason = error instanceof RE2JSException ? error.message.replace(/^error parsing regexp: /, "") : String(error);
    throw new InvalidInputError(
      `${options.subject ?? options.field} is not a valid RE2 regular expression (no lookaround or backreferences; (?i) ignores case): ${reason}.`,
    );
  }
}
