// The manager's one file watcher over the job folders (state-watcher.ts), as an object the
// launcher can ask "has the watcher seen this folder go?" before the watcher even started.
import { readdir } from "node:fs/promises";
import path from "node:path";
import type { FSWatcher } from "chokidar";
import { startWatchingJobFiles, type JobFileEvent } from "./state-watcher.js";

/** Longest a close waits for the watch to finish setting up (100 jobs: 40-100 ms). */
const CLOSE_WAIT_MS = 3000;

export class JobWatch {
  private watcher: FSWatcher | undefined;
  private jobsDir: string | undefined;
  private ready: Promise<void> | undefined;
  private closed = false;

  /** Starts watching now; resolves once chokidar has reached every job file (see startWatchingJobFiles). */
  start(jobsDir: string, onEvent: (event: JobFileEvent) => void, onError: (error: unknown) => void): Promise<void> {
    const { watcher, ready } = startWatchingJobFiles(jobsDir, onEvent, onError);
    this.watcher = watcher;
    this.jobsDir = jobsDir;
    this.ready = ready;
    return ready;
  }

  /**
   * Watches job folders chokidar missed: one made after it listed the jobs dir but before it
   * watched it stays unwatched (with open not waiting, a create right after open hit this: its
   * output was never read, 2 of 3 runs of restart-truth). Added as chokidar adds a folder it finds
   * new, so each of its files raises an event.
   */
  async watchMissed(): Promise<void> {
    const { watcher, jobsDir } = this;
    if (!watcher || !jobsDir) return;
    if (this.closed) return;
    const watched = new Set(watcher.getWatched()[path.resolve(jobsDir)] ?? []);
    const entries = await readdir(jobsDir, { withFileTypes: true });
    // A watch added after close() would never be closed, and keep a short-lived process alive.
    if (this.closed) return;
    for (const entry of entries) {
      if (entry.isDirectory() && !entry.name.startsWith(".") && !watched.has(entry.name)) watcher.add(path.join(jobsDir, entry.name), undefined, true);
    }
  }

  /** Resolves when the watcher reports `event` for `file`, or after `timeoutMs` (at once if not watching). */
  sees(event: "unlinkDir", file: string, timeoutMs: number): Promise<void> {
    const watcher = this.watcher;
    if (!watcher) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        watcher.off(event, listener);
        resolve();
      };
      const listener = (changed: string) => {
        if (path.resolve(changed) === path.resolve(file)) done();
      };
      const timer = setTimeout(done, timeoutMs);
      watcher.on(event, listener);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    // chokidar 5 leaks the fs.watch of a folder it is still setting up when it closes (the
    // handle keeps a short-lived process such as the CLI alive): close once it is set up.
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, CLOSE_WAIT_MS);
      timer.unref?.();
    });
    await Promise.race([this.ready?.catch(() => undefined), bound]);
    clearTimeout(timer);
    await this.watcher?.close();
  }
}
