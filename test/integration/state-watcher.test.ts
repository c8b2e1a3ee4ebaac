// The state dir watcher over real files (chokidar on inotify). chokidar lists a new folder and only
// then watches it: a file made in between raised no event, and a job file written right after its
// folder stayed unseen (an observer's TUI showed another instance's running job "pending" for
// good: 18 of 120 under OpenCode's Bun, and 5-9 of 100 folders lost their second file in Node).
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync, appendFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { watchJobFiles, type JobFileEvent } from "../../src/core/sync/state-watcher.js";
import { eventually } from "../helpers/tmux-sandbox.js";

const roots: string[] = [];
after(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

function writeAtomic(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test("files written at once after their job folder appears each raise their event, and the log is watched after", { timeout: 60_000 }, async () => {
  const root = mkdtempSync(path.join(tmpdir(), "obg-watcher-"));
  roots.push(root);
  const seen = new Map<string, Set<JobFileEvent["kind"]>>();
  const outputEvents = new Map<string, number>();
  const watcher = await watchJobFiles(root, (event) => {
    const kinds = seen.get(event.jobId) ?? new Set();
    kinds.add(event.kind);
    seen.set(event.jobId, kinds);
    if (event.kind === "output") outputEvents.set(event.jobId, (outputEvents.get(event.jobId) ?? 0) + 1);
  });
  try {
    const ids = Array.from({ length: 120 }, (_, index) => `job${index}`);
    for (const [index, id] of ids.entries()) {
      const dir = path.join(root, id);
      mkdirSync(dir);
      writeAtomic(path.join(dir, "meta.json"), "{}");
      // 0-3 ms apart, as a create on a fast machine (or an observer on a slow one) sees them.
      await sleep(index % 4);
      writeAtomic(path.join(dir, "started.json"), "{}");
      await sleep((index + 1) % 3);
      writeFileSync(path.join(dir, "output.log"), "first line\n");
      await sleep(5);
    }
    const missing = () => ids.filter((id) => !["meta", "started", "output"].every((kind) => seen.get(id)?.has(kind as JobFileEvent["kind"])));
    await eventually(() => missing().length === 0, 10_000, "every folder's meta, started and output events").catch(() => {
      assert.deepEqual(missing(), [], "folders with a file event never raised");
    });
    // Appending to each log raises an output event: the watcher watches the file itself.
    await sleep(200);
    const before = new Map(outputEvents);
    for (const id of ids) appendFileSync(path.join(root, id, "output.log"), "later\n");
    const unwatched = () => ids.filter((id) => (outputEvents.get(id) ?? 0) <= (before.get(id) ?? 0));
    await eventually(() => unwatched().length === 0, 10_000, "an output event for every appended log").catch(() => {
      assert.deepEqual(unwatched(), [], "logs whose append raised no event");
    });
  } finally {
    await watcher.close();
  }
});
