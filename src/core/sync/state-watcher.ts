// One chokidar watcher over every job folder. It turns file events into the few things the
// manager cares about: new output, an exit file, a new or finished job (possibly another
// OpenCode's), a deleted log. No polling: inotify underneath.
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { watch, type FSWatcher } from "chokidar";

export type JobFileEvent =
  | { kind: "output"; jobId: string }
  | { kind: "log-deleted"; jobId: string }
  | { kind: "exit"; jobId: string }
  | { kind: "meta"; jobId: string }
  | { kind: "started"; jobId: string }
  | { kind: "outcome"; jobId: string }
  | { kind: "restart"; jobId: string }
  | { kind: "watch"; jobId: string }
  | { kind: "log-failed"; jobId: string }
  | { kind: "input-wait"; jobId: string }
  | { kind: "removed"; jobId: string };

const FILE_EVENTS: Record<string, JobFileEvent["kind"] | undefined> = {
  "output.log": "output",
  "exit.json": "exit",
  "meta.json": "meta",
  "started.json": "started",
  "outcome.json": "outcome",
  "restart.json": "restart",
  // Watches changed (watchProcess, maybe in another OpenCode).
  "watch.json": "watch",
  // A log rotation finished: what the tailer waited for is readable now.
  "log-index.json": "output",
  // The log writer could not write (a full disk): made, or removed once writing works again.
  "log-write-failed": "log-failed",
  // The waiting-for-input alarm, raised (written) or cleared (removed) by some instance.
  "input-wait.json": "input-wait",
};

/** Names an event is routed for; chokidar needs no stat nor watch of any other file. */
const ROUTED = new Set([...Object.keys(FILE_EVENTS), "output.log", "log-write-failed", "input-wait.json"]);

/**
 * chokidar passes on at most one "change" per file every 50 ms and drops the rest, with no
 * trailing event: a line written within 50 ms of the previous one would stay unread until the
 * job wrote again. So every output event is followed by one more, this long after the latest.
 */
const TRAILING_OUTPUT_MS = 60;

/** Watches `jobsDir/<id>/*` and calls back with typed events; resolves once the watch is live. */
export async function watchJobFiles(jobsDir: string, onEvent: (event: JobFileEvent) => void, onError: (error: unknown) => void = () => {}): Promise<FSWatcher> {
  const { watcher, ready } = startWatchingJobFiles(jobsDir, onEvent, onError);
  await ready;
  return watcher;
}

/**
 * The watch at once, and `ready`: resolves when chokidar has stat-ed and watched every job file
 * (events for files it had not reached yet are not raised), rejects if it failed before.
 */
export function startWatchingJobFiles(jobsDir: string, onEvent: (event: JobFileEvent) => void, onError: (error: unknown) => void = () => {}): { watcher: FSWatcher; ready: Promise<void> } {
  const watcher = watch(jobsDir, {
    ignoreInitial: true,
    depth: 1,
    // The watch never keeps a process alive by itself (OpenCode runs on; a CLI wait has its own
    // timer). chokidar 5 can leak the fs.watch of a folder it was still setting up when closed:
    // a test file's process then never exited, hanging a whole npm test (1 run in 8).
    persistent: false,
    // Temp files of atomic writes, and every file no event is routed for (run.sh, command, cwd,
    // log-rotate.sh, notify-cursor, cancel.json, the env FIFO, ...), are noise. chokidar stats and
    // watches each file it does not ignore before it is ready: ignoring them halved the files
    // watched (100 jobs: 1,001 -> 501) and the time to ready (57-175 ms -> 44-105 ms, under load).
    ignored: (file: string) => {
      const [jobId, name, deeper] = path.relative(jobsDir, file).split(path.sep);
      return jobId !== undefined && name !== undefined && (deeper !== undefined || !ROUTED.has(name));
    },
  });
  const route = (type: "add" | "change" | "unlink" | "unlinkDir", file: string) => {
    const relative = path.relative(jobsDir, file);
    const [jobId, name] = relative.split(path.sep);
    if (!jobId || jobId.startsWith(".")) return;
    if (type === "unlinkDir") {
      if (!name) onEvent({ kind: "removed", jobId });
      return;
    }
    if (!name) return;
    if (type === "unlink") {
      if (name === "output.log") onEvent({ kind: "log-deleted", jobId });
      if (name === "log-write-failed") onEvent({ kind: "log-failed", jobId });
      if (name === "input-wait.json") onEvent({ kind: "input-wait", jobId });
      return;
    }
    const kind = FILE_EVENTS[name];
    if (kind === "output") trailOutput(jobId);
    if (kind) onEvent({ kind, jobId } as JobFileEvent);
  };
  const trailing = new Map<string, NodeJS.Timeout>();
  const trailOutput = (jobId: string) => {
    clearTimeout(trailing.get(jobId));
    const timer = setTimeout(() => {
      trailing.delete(jobId);
      onEvent({ kind: "output", jobId });
    }, TRAILING_OUTPUT_MS);
    timer.unref();
    trailing.set(jobId, timer);
  };
  const missed = gapFiller(watcher, jobsDir);
  watcher.on("addDir", (dir) => missed.folderAppeared(dir));
  watcher.on("add", (file) => route("add", file));
  watcher.on("change", (file) => route("change", file));
  watcher.on("unlink", (file) => route("unlink", file));
  watcher.on("unlinkDir", (file) => route("unlinkDir", file));
  const startedAt = Date.now();
  const ready = new Promise<void>((resolve, reject) => {
    watcher.once("ready", () => {
      resolve();
      void missed.recentFolders(startedAt);
    });
    watcher.once("error", reject);
  });
  // After start, a watch error (e.g. EMFILE) must never become an uncaught exception in OpenCode.
  void ready.then(() => watcher.on("error", onError), () => watcher.on("error", onError));
  return { watcher, ready };
}

/**
 * When to look again at a folder chokidar just found (ms after it said so). chokidar lists a new
 * folder and only then watches it: a file made in between raises no event and is never watched
 * (an atomic write's rename included). A job's started.json and output.log come a few ms after
 * its folder, so observers missed them: 5-9 of 100 folders in Node, 18 of 120 jobs stuck
 * "pending" under OpenCode's Bun. Each look adds what chokidar has not: until its watch is set,
 * the next look catches what the last one could not see yet.
 */
const LOOK_AGAIN_MS = [25, 250, 1000, 3000];

/** Looks for job files chokidar missed and hands each to it, as it adds a file it finds new. */
function gapFiller(watcher: FSWatcher, jobsDir: string) {
  const look = async (dir: string) => {
    const names = await readdir(dir).catch(() => [] as string[]);
    // An add after close would open the watcher again (and keep a short-lived process alive).
    if (watcher.closed) return;
    const watched = new Set(watcher.getWatched()[path.resolve(dir)] ?? []);
    for (const name of names) {
      // chokidar's own add: it stats and watches the file and emits "add" (internal: not initial).
      if (ROUTED.has(name) && !watched.has(name)) watcher.add(path.join(dir, name), undefined, true);
    }
  };
  const isJobFolder = (dir: string) => {
    const [jobId, deeper] = path.relative(jobsDir, dir).split(path.sep);
    return Boolean(jobId) && !jobId!.startsWith(".") && deeper === undefined;
  };
  return {
    folderAppeared(dir: string): void {
      if (!isJobFolder(dir)) return;
      // Unref'd, and a look after close does nothing.
      for (const delay of LOOK_AGAIN_MS) setTimeout(() => void look(dir).catch(() => undefined), delay).unref();
    },
    /** The folders of the first scan raised no "addDir": those changed since the watch started get one look. */
    async recentFolders(since: number): Promise<void> {
      const entries = await readdir(jobsDir, { withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        if (watcher.closed) return;
        if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
        const dir = path.join(jobsDir, entry.name);
        const changed = await stat(dir).then((stats) => stats.mtimeMs >= since - SAME_TICK_MS, () => false);
        if (changed) await look(dir).catch(() => undefined);
      }
    },
  };
}

/** How far a folder's mtime can lag the clock or a change (file times tick per jiffy, <= 10 ms), with room. */
export const SAME_TICK_MS = 100;
