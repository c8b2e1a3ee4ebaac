// Peak-RSS tracking around one task, for the flood figure: the kernel's high-water mark
// (VmHWM, reset just before) plus 100 ms samples of process.memoryUsage(), after forced GCs so
// the growth is the task's and not earlier garbage.
import { performance } from "node:perf_hooks";
import { collectGarbage, gcAvailable } from "./gc.js";
import { peakRss, resetPeakRss } from "./procfs.js";

/** Memory figures of one task, in bytes (growth is relative to right before the task). */
export interface MemoryWatch<T> {
  result: T;
  /** Peak RSS minus RSS before. */
  growth: number;
  /** RSS after the task and a forced gc, minus before (V8 keeps freed pages, so this stays up). */
  rssAfterGc: number;
  /** heapUsed + external after the task and a forced gc, minus before: what is really held. */
  liveAfterGc: number;
  /** Peak heapTotal (V8's reserved heap) seen by the sampler, minus before. */
  heapTotalGrowth: number;
  ms: number;
  rssBefore: number;
  source: string;
  gc: boolean;
}

/** Runs `task` while tracking this process's peak RSS above the level right before it. */
export async function watchMemory<T>(task: () => Promise<T>): Promise<MemoryWatch<T>> {
  collectGarbage();
  await new Promise((resolve) => setTimeout(resolve, 100));
  collectGarbage();
  const before = process.memoryUsage();
  const hwm = resetPeakRss();
  let sampled = before.rss;
  let heapTotal = before.heapTotal;
  const sample = () => {
    const now = process.memoryUsage();
    sampled = Math.max(sampled, now.rss);
    heapTotal = Math.max(heapTotal, now.heapTotal);
  };
  const sampler = setInterval(sample, 100);
  const start = performance.now();
  try {
    const result = await task();
    const ms = performance.now() - start;
    sample();
    const kernelPeak = hwm ? peakRss() : undefined;
    const peak = Math.max(sampled, kernelPeak ?? 0);
    // `result` is still referenced here, so a task that returns what it holds keeps holding it.
    collectGarbage();
    const after = process.memoryUsage();
    return {
      result,
      growth: Math.max(0, peak - before.rss),
      rssAfterGc: after.rss - before.rss,
      liveAfterGc: after.heapUsed + after.external - (before.heapUsed + before.external),
      heapTotalGrowth: Math.max(0, heapTotal - before.heapTotal),
      ms,
      rssBefore: before.rss,
      source: kernelPeak !== undefined ? "VmHWM (reset before) + 100 ms samples" : "100 ms samples",
      gc: gcAvailable(),
    };
  } finally {
    clearInterval(sampler);
  }
}
