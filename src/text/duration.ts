// Durations as people and models read them: "12s", "4m05s", "2h03m".

/**
 * "12s", "4m05s", "2h03m": how long a job has run (or ran), or how long ago it ended. With
 * `tenths`, under a minute shows tenths ("0.4s", "12.0s"): short waits are worth them.
 */
export function formatDuration(ms: number, options: { tenths?: boolean } = {}): string {
  if (options.tenths && ms < 60_000) return `${(Math.max(0, ms) / 1000).toFixed(1)}s`;
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, "0")}s`;
  const hours = Math.floor(minutes / 60);
  return `${hours}h${String(minutes % 60).padStart(2, "0")}m`;
}

/** How long a job has run: from its start to its end (or to `now` while it runs); 0 before it starts. */
export function runtimeOf(job: { startedAt: number | undefined; endedAt: number | undefined }, now = Date.now()): number {
  if (!job.startedAt) return 0;
  return (job.endedAt ?? now) - job.startedAt;
}
