// The manager's one file watcher over the job folders (state-watcher.ts), as an object the
// launcher can ask "has the watcher seen this folder go?" before the watcher even started.
import path from "node:path";
import type { FSWatcher } from "chokidar";
import { startWatchingJobFiles, type JobFileEvent } from "./state-watcher.js";

export class JobWatch {
  private watcher: FSWatcher | undefined;

  /** Starts watching now; resolves once chokidar has reached every job file (see startWatchingJobFiles). */
  start(jobsDir: string, onEvent: (event: JobFileEvent) => void, onError: (error: unknown) => void): Promise<void> {
    const { watcher, ready } = startWatchingJobFiles(jobsDir, onEvent, onError);
    this.watcher = watcher;
    return ready;
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
    await this.watcher?.close();
  }
}
