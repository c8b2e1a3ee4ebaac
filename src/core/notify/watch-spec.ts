// What a job watches its output for (issue 12): watch patterns (RE2, or a preset name such as
// "errors") whose matching lines wake the job's session, and a readiness condition (an output
// pattern or a port) that tells the session once when the job is up. Validated here, at the
// core's boundary, with one message for every limit; kept in the job folder as watch.json so
// every OpenCode instance (and a restart of this one) sees the same watches.
import { z } from "zod";
import type { RE2JS } from "re2js";
import { InvalidInputError } from "../errors.js";
import { compileSafePattern } from "../output/safe-regex.js";

export const WATCH_LIMITS = { patterns: 10, patternChars: 300 } as const;

/**
 * Presets: one RE2 alternation each (one test per line instead of one per shape). "errors" is the
 * usual error shapes of compilers (tsc, rustc/cargo, gcc/clang, go), test runners (jest/vitest,
 * pytest, node:test/TAP, go test) and dev servers (vite, webpack, uncaught JS errors, Python
 * tracebacks, Go and Rust panics).
 */
export const WATCH_PRESETS: Readonly<Record<string, string>> = {
  errors: [
    String.raw`error TS[0-9]+:`, // tsc
    String.raw`^error(\[E[0-9]+\])?:`, // rustc / cargo
    String.raw`: (fatal )?error:`, // gcc / clang / go vet
    String.raw`\.go:[0-9]+:[0-9]+: `, // go build
    String.raw`^\s*FAIL\s`, // jest / vitest / go test
    String.raw`^--- FAIL:`, // go test
    String.raw`^(FAILED|ERROR) `, // pytest
    String.raw`^\s*not ok [0-9]+`, // node:test / TAP
    String.raw`\[vite\] Internal server error`,
    String.raw`Failed to compile`, // webpack / next
    String.raw`^ERROR in `, // webpack
    String.raw`(^|\s)(Uncaught )?([A-Z][A-Za-z]*)?Error: `, // Error: / TypeError: / Uncaught ...
    String.raw`Traceback \(most recent call last\)`, // python
    String.raw`^panic: `, // go
    String.raw`panicked at`, // rust
  ].join("|"),
};

export const WatchFileSchema = z.object({
  version: z.literal(1),
  /** Preset names or RE2 sources, in the order given. */
  watches: z.array(z.string()),
  ready: z
    .object({
      pattern: z.string().optional(),
      ignoreCase: z.boolean().optional(),
      port: z.number().int().optional(),
      /** Set once the ready event fired: when, and (pattern) the end offset of the line, its text. */
      firedAt: z.number().optional(),
      position: z.number().optional(),
      line: z.string().optional(),
    })
    .optional(),
});
export type WatchFile = z.infer<typeof WatchFileSchema>;
export type ReadySpec = NonNullable<WatchFile["ready"]>;

export interface CompiledWatch {
  source: string;
  regex: RE2JS;
}

const LIMIT_MESSAGE = `at most ${WATCH_LIMITS.patterns} watches, each a preset (${Object.keys(WATCH_PRESETS).join(", ")}) or an RE2 pattern of at most ${WATCH_LIMITS.patternChars} characters`;

/** The watch list of a request (a string or an array of strings), deduplicated; throws InvalidInputError. */
export function parseWatchList(input: unknown, field = "watch"): string[] {
  if (input === undefined) return [];
  const list = typeof input === "string" ? [input] : input;
  if (!Array.isArray(list) || list.some((item) => typeof item !== "string" || item.trim() === "")) {
    throw new InvalidInputError(`${field} must be ${LIMIT_MESSAGE}; got ${JSON.stringify(input)?.slice(0, 80)}.`);
  }
  const unique = [...new Set(list.map((item: string) => item.trim()))];
  if (unique.length > WATCH_LIMITS.patterns || unique.some((item) => item.length > WATCH_LIMITS.patternChars)) {
    throw new InvalidInputError(`${field} must be ${LIMIT_MESSAGE}; got ${unique.length} of up to ${Math.max(...unique.map((item) => item.length))} characters.`);
  }
  for (const item of unique) compileWatch(item, field);
  return unique;
}

/** A preset's alternation or the pattern itself, compiled (RE2). */
export function compileWatch(source: string, field = "watch"): CompiledWatch {
  const preset = WATCH_PRESETS[source];
  return { source, regex: compileSafePattern(preset ?? source, { field, subject: `${field} ${JSON.stringify(source)}` }) };
}

/** watch.json for a create, or undefined when the job watches nothing. `ready` is a parsed waitFor. */
export function buildWatchFile(watch: unknown, ready: { pattern: string; ignoreCase?: boolean } | { port: number } | undefined): WatchFile | undefined {
  const watches = parseWatchList(watch);
  if (watches.length === 0 && !ready) return undefined;
  return { version: 1, watches, ...(ready ? { ready: "port" in ready ? { port: ready.port } : { pattern: ready.pattern, ...(ready.ignoreCase ? { ignoreCase: true } : {}) } } : {}) };
}
