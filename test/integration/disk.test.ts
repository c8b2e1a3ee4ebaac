// Disk use on a real tmux server: logs capped per job (rotation by the capped writer, keeping
// the newest output, no byte lost at a switch, absolute line numbers for every reader), the CLI's
// log reading across the rotated part, and old finished jobs collected when the plugin starts.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createTmuxSandbox, eventually, type TmuxSandbox } from "../helpers/tmux-sandbox.js";
import type { JobManager } from "../../src/core/manager.js";
import { LogCap } from "../../src/core/output/log-cap.js";
import { LogIndexSchema, logDiskBytes } from "../../src/core/output/log-segments.js";
import { cleanPrinter, lineStartFromEnd, readNewBytes } from "../../src/cli/log-file.js";
import { collectOldJobs } from "../../src/plugin/gc-at-start.js";

const CAP = 1024 * 1024;
/** What the cap promises: output.1.log up to 1.5 chunks (half caps) plus output.log up to one. */
const BOUND = CAP * 1.25;

let sandbox: TmuxSandbox;
let manager: JobManager;

before(async () => {
  sandbox = await createTmuxSandbox("obg-disk");
  manager = await sandbox.open({ config: { maxLogBytes: CAP } });
});
after(async () => {
  await sandbox.cleanup();
});

/** All lines of the log files on disk, oldest first, as the bytes were written (\r\n -> \n). */
async function logOnDisk(logPath: string): Promise<string[]> {
  const previous = await fs.readFile(path.join(path.dirname(logPath), "output.1.log"), "utf8").catch(() => "");
  const current = await fs.readFile(logPath, "utf8");
  return (previous + current).replace(/\r/g, "").split("\n");
}

describe("log cap", () => {
  test("a flood: disk stays bounded, the newest output is kept whole, line numbers stay absolute", async () => {
    const total = 600_000; // ~4.7 MB of output through a 1 MiB cap
    const job = await manager.create({ command: `seq 1 ${total}; echo flood-done`, name: "flood" });
    let largest = 0;
    for (;;) {
      const now = await logDiskBytes(job.logPath);
      if (now > BOUND && process.env.OBG_DEBUG_DISK) {
        const dir = path.dirname(job.logPath);
        const files = await fs.readdir(dir);
        console.log("over", now, await Promise.all(files.map(async (f) => { const st = await fs.stat(path.join(dir, f)).catch(() => undefined); return `${f}:${st?.ino}:${st?.size}`; })), await fs.readFile(path.join(dir, "log-index.json"), "utf8").catch(() => ""));
      }
      largest = Math.max(largest, now);
      if (manager.get(job.id).status !== "running") break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const done = await manager.waitForStatus(job.id, ["completed", "failed"], 60_000);
    assert.equal(done.status, "completed");
    // On a busy machine the verdict may come before the writer caught up (it waits at most 1 s).
    await eventually(async () => (await manager.output(job.id, { lines: 1 })).lines[0]?.text === "flood-done", 30_000, "the last line read");
    assert.ok(largest <= BOUND, `at most ${BOUND} bytes on disk while flooding, saw ${largest}`);
    const onDisk = await logDiskBytes(job.logPath);
    assert.ok(onDisk <= BOUND && onDisk >= CAP / 4, `${onDisk} bytes kept`);

    // The kept part is contiguous up to the very last line: nothing lost where files switched.
    const index = LogIndexSchema.parse(JSON.parse(await fs.readFile(path.join(path.dirname(job.logPath), "log-index.json"), "utf8")));
    assert.ok(index.previous, "the log rotated");
    const lines = await logOnDisk(job.logPath);
    const finished = lines.indexOf("flood-done");
    assert.ok(finished > 0, "the last line is there");
    assert.equal(lines[finished - 1], String(total));
    // Line k of the files is absolute line previous.startLine + 1 + k; seq printed its own number.
    for (let k = 1; k < finished; k++) {
      if (lines[k] !== String(index.previous.startLine + 1 + k)) assert.fail(`line ${k} of the kept log is ${lines[k]}, expected ${index.previous.startLine + 1 + k}`);
    }

    // The tailer numbers lines absolutely, whatever it skipped while the cap dropped old output.
    const read = await manager.output(job.id, { lines: 500 });
    const tail = read.lines.filter((line) => line.text !== "flood-done");
    assert.ok(tail.length > 400);
    for (const line of tail) assert.equal(line.text, String(line.no));
    assert.equal(read.lines.at(-1)?.text, "flood-done");
    assert.equal(read.lines.at(-1)?.no, total + 1);

    // A new instance resumes from the rotated files with the same numbering.
    const fresh = await sandbox.open({ instanceId: "fresh-disk" });
    const again = (await fresh.output(job.id, { lines: 50 })).lines;
    assert.deepEqual(again, read.lines.slice(-50));
    await fresh.close();

    // opencode-bg logs: the whole kept log (rotated part first), and the last N lines.
    const printer = cleanPrinter();
    const printed: string[] = [];
    await readNewBytes(job.logPath, 0, async (chunk) => void printed.push(...(printer.push(chunk) as string[])));
    printed.push(...printer.flush());
    assert.equal(printed.at(-1), "flood-done");
    assert.equal(printed.at(-2), String(total));
    assert.ok(printed.length > CAP / 8 / 8, `${printed.length} lines printed`);
    // The first kept line may be the end of a line cut by the rotation: count from the second.
    for (let k = 2; k < printed.length - 1; k++) assert.equal(Number(printed[k]) - Number(printed[k - 1]), 1, `printed line ${k}`);
    // As `logs -n 3` does: two spare lines, since the log ends with the wrapper's invisible end marker.
    const start = await lineStartFromEnd(job.logPath, 3 + 2);
    const last: string[] = [];
    const printer2 = cleanPrinter();
    await readNewBytes(job.logPath, start, async (chunk) => void last.push(...(printer2.push(chunk) as string[])));
    last.push(...printer2.flush());
    assert.deepEqual(last.slice(-3), [String(total - 1), String(total), "flood-done"]);
  });

  test("a reader that keeps up sees every line exactly once across several rotations", async () => {
    const small = await sandbox.open({ instanceId: "small-cap", config: { maxLogBytes: 64 * 1024, ringLines: 100 } });
    const count = 2500;
    const seen: { no: number; text: string }[] = [];
    const job = await small.create({ command: `for i in $(seq 1 ${count}); do printf '%05d %090d\\n' $i 0; (( i % 50 == 0 )) && sleep 0.05; done; true`, name: "steady" });
    const stop = small.on("line", (id, text, no) => {
      if (id === job.id) seen.push({ no, text });
    });
    assert.equal((await small.waitForStatus(job.id, ["completed", "failed"], 60_000)).status, "completed");
    stop();
    const index = LogIndexSchema.parse(JSON.parse(await fs.readFile(path.join(path.dirname(job.logPath), "log-index.json"), "utf8")));
    assert.ok(index.current.startByte > 4 * 32 * 1024, `rotated several times (${index.current.startByte} bytes rotated)`);
    assert.ok((await logDiskBytes(job.logPath)) <= 64 * 1024 * 1.25);
    assert.equal(seen.length, count);
    seen.forEach((line, index) => {
      assert.equal(line.no, index + 1);
      assert.equal(line.text.slice(0, 5), String(index + 1).padStart(5, "0"));
    });
    // Older than the 100 lines in memory: read from the log files, from the rotated part on.
    assert.ok(index.previous && index.previous.startLine + 2 < count - 100, JSON.stringify(index));
    const since = index.previous.startLine + 2;
    const older = await small.output(job.id, { since, lines: 2000 });
    assert.deepEqual(older.fromDisk, { first: since, last: count - 100 });
    assert.deepEqual(older.lines.map((line) => line.no), Array.from({ length: count - since + 1 }, (_, k) => since + k));
    for (const line of older.lines) assert.equal(line.text.slice(0, 5), String(line.no).padStart(5, "0"));
    const gone = await small.output(job.id, { since: 10, lines: 5 });
    assert.equal(gone.dropped, true, "lines rotated away are reported as dropped");
    await small.close();
  });


  test("the capped writer, run by sh as pipe-pane runs it, works in a folder with quotes, $ and spaces in its name", async () => {
    const cap = new LogCap({ maxLogBytes: 64 * 1024 });
    const root = await fs.mkdtemp(path.join(os.tmpdir(), "obg-unit-"));
    const dir = path.join(root, "it's a $dir");
    await fs.mkdir(dir);
    try {
      const logPath = path.join(dir, "output.log");
      const command = await cap.pipeCommand(dir, logPath);
      // 100 KB through a 64 KB cap: one rotation, the newest bytes kept, nothing else written.
      const input = Array.from({ length: 10_000 }, (_, index) => `${String(index).padStart(9, "0")}`).join("\n") + "\n";
      execFileSync("sh", ["-c", command], { input });
      if (!(await cap.supportsSplitFilter())) return assert.equal(await fs.readFile(logPath, "utf8"), input);
      const kept = (await fs.readFile(path.join(dir, "output.1.log"), "utf8")) + (await fs.readFile(logPath, "utf8"));
      assert.ok(input.endsWith(kept) && kept.length < input.length && kept.length >= 32 * 1024);
      assert.deepEqual((await fs.readdir(dir)).sort(), ["log-index.json", "log-rotate.sh", "output.1.log", "output.log"]);
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });
});

describe("gc at start", () => {
  test("finished jobs older than gcAfterDays go, newer and running ones stay; 0 disables it", async () => {
    const old = await manager.create({ command: "echo old", name: "old-job" });
    const recent = await manager.create({ command: "echo recent", name: "recent-job" });
    const running = await manager.create({ command: "sleep 300", name: "running-job" });
    await manager.waitForStatus(old.id, ["completed"], 15_000);
    await manager.waitForStatus(recent.id, ["completed"], 15_000);
    // Eight days ago, as a previous OpenCode would have left it.
    const outcomePath = path.join(path.dirname(old.logPath), "outcome.json");
    const outcome = JSON.parse(await fs.readFile(outcomePath, "utf8")) as { endedAt: number };
    await fs.writeFile(outcomePath, JSON.stringify({ ...outcome, endedAt: Date.now() - 8 * 24 * 3600 * 1000 }));

    const starting = await sandbox.open({ instanceId: "starting-plugin" });
    assert.deepEqual((await collectOldJobs(starting, 0)).removed, [], "gcAfterDays 0 removes nothing");
    const result = await collectOldJobs(starting, 7);
    assert.deepEqual(result.removed.map((job) => job.id), [old.id]);
    assert.ok(result.bytes > 0);
    await assert.rejects(fs.stat(path.dirname(old.logPath)), /ENOENT/);
    await fs.stat(path.dirname(recent.logPath));
    assert.equal(starting.get(running.id).status, "running");
    await eventually(() => !manager.has(old.id), 5000, "the other instance forgets the removed job");
    await starting.close();
    await manager.kill({ ids: [running.id] });
  });
});
