// What every case gets: the sandboxed manager, the run mode, a progress logger and a few
// shared helpers. One private tmux server and state dir for the whole run.
import { performance } from "node:perf_hooks";
import type { JobManager } from "../../src/core/manager.js";
import type { TmuxSandbox } from "../../test/helpers/tmux-sandbox.js";

/** Shared state of one bench run. */
export interface BenchContext {
  sandbox: TmuxSandbox;
  manager: JobManager;
  quick: boolean;
  /** Progress on stderr (stdout is reserved for the JSON). */
  log(message: string): void;
}

/** Milliseconds since `start` (a performance.now() value). */
export function since(start: number): number {
  return performance.now() - start;
}

/** Promise-based sleep. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Rejects after `ms` with a message naming what we waited for, so a stuck case cannot hang the run. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The tmux server's pid of the sandbox (for its CPU and RSS). */
export function tmuxServerPid(ctx: Pick<BenchContext, "sandbox">): number | undefined {
  try {
    const pid = Number.parseInt(ctx.sandbox.tmux("display-message", "-p", "#{pid}").trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Runs async tasks with at most `limit` in flight, keeping result order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < items.length; index = next++) results[index] = await task(items[index] as T, index);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
