// The one shape every measured figure takes in the JSON output: our value next to the baseline
// measured in the same run, the target in words, and whether it was met. Never an
// assertion: a missed target is a number to look at, not a failure.

/** Values of one side of a figure (ours or the baseline), e.g. { p50, p95, n }. */
export type Values = Record<string, number | string | boolean | null>;

/** One figure of the report. */
export interface Figure {
  id: string;
  title: string;
  unit: string;
  value: Values;
  /** The original plugin's way (piped child_process.spawn) measured in this run; null if none applies. */
  baseline: Values | null;
  /** The target from the issue, in words; "none" for context figures. */
  target: string;
  /** Whether the target was met; null when there is no target or nothing was measured. */
  met: boolean | null;
  notes?: string[];
}

/** Builds a figure; `met` is computed by the caller from the numbers it has. */
export function figure(fields: Figure): Figure {
  return fields;
}

/** `actual <= limit`, or null when either side is missing (so a broken run is never "met"). */
export function atMost(actual: number | null | undefined, limit: number | null | undefined): boolean | null {
  if (actual === null || actual === undefined || limit === null || limit === undefined) return null;
  return actual <= limit;
}

/** A figure standing in for a case that threw: the error is the value. */
export function failedFigure(id: string, title: string, error: unknown): Figure {
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return { id, title, unit: "-", value: { error: message.split("\n").slice(0, 3).join(" | ") }, baseline: null, target: "-", met: null };
}
