// Small summary statistics for latency samples; nearest-rank percentiles so a p95 is always a
// value that was actually measured.

/** Summary of one series of samples, rounded for printing. */
export interface Summary {
  n: number;
  p50: number | null;
  p95: number | null;
  min: number | null;
  max: number | null;
  mean: number | null;
}

/** Nearest-rank percentile (p in 0..100) of unsorted samples; null when there are none. */
export function percentile(samples: readonly number[], p: number): number | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? null;
}

/** p50/p95/min/max/mean of a series; the shape every latency figure reports. */
export function summarize(samples: readonly number[], digits = 2): Summary {
  const round = (value: number | null) => (value === null ? null : roundTo(value, digits));
  const mean = samples.length === 0 ? null : samples.reduce((sum, value) => sum + value, 0) / samples.length;
  return {
    n: samples.length,
    p50: round(percentile(samples, 50)),
    p95: round(percentile(samples, 95)),
    min: round(samples.length ? Math.min(...samples) : null),
    max: round(samples.length ? Math.max(...samples) : null),
    mean: round(mean),
  };
}

/** Rounds for JSON output so figures stay readable. */
export function roundTo(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
