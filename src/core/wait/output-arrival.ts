// The short waits tools make so their answer can include a job's first lines: after create
// (any output), after restart (the new run's), after typed input (the reply, until it goes quiet).
// Built on the manager's `line` and `status` events; resolves, never throws: time running out is normal.
import type { ManagerEventSource } from "../job/registry.js";

export interface OutputArrival {
  /** Longest wait. */
  timeoutMs: number;
  /** Only lines numbered above this count (default: any line). */
  afterLine?: number;
  /** After a line came, wait on until none came for this long (default: done at the first line). */
  quietMs?: number;
  /** Ends the wait early (e.g. the input could not be sent). */
  signal?: AbortSignal;
}

/** Resolves when job `id` printed (see OutputArrival), stopped running, or the wait ran out. */
export function waitForOutput(manager: ManagerEventSource, id: string, options: OutputArrival): Promise<void> {
  return new Promise<void>((resolve) => {
    let quiet: NodeJS.Timeout | undefined;
    const deadline = setTimeout(done, options.timeoutMs);
    const stopLine = manager.on("line", (jobId, _line, lineNo) => {
      if (jobId !== id || lineNo <= (options.afterLine ?? 0)) return;
      if (options.quietMs === undefined) return done();
      if (quiet) clearTimeout(quiet);
      quiet = setTimeout(done, options.quietMs);
    });
    const stopStatus = manager.on("status", (view) => view.id === id && view.status !== "running" && done());
    options.signal?.addEventListener("abort", done, { once: true });
    if (options.signal?.aborted) done();
    function done() {
      clearTimeout(deadline);
      if (quiet) clearTimeout(quiet);
      stopLine();
      stopStatus();
      options.signal?.removeEventListener("abort", done);
      resolve();
    }
  });
}
