// Reads that keep their place (since, lines, grep, older output from the log file) and typed
// input (text, Enter, keys such as C-c), on a real tmux server with a small ring buffer.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import path from "node:path";
import { createTmuxSandbox, eventually, type TmuxSandbox } from "../helpers/tmux-sandbox.js";
import type { JobManager } from "../../src/core/manager.js";

let sandbox: TmuxSandbox;
let manager: JobManager;
const RING = 100;

before(async () => {
  sandbox = await createTmuxSandbox("obg-reads");
  manager = await sandbox.open({ config: { ringLines: RING } });
});
after(async () => {
  await sandbox.cleanup();
});

const texts = (read: { lines: { no: number; text: string }[] }) => read.lines.map((line) => line.text);
const range = (from: number, to: number, prefix = "") => Array.from({ length: to - from + 1 }, (_, i) => `${prefix}${from + i}`);

/** A job that prints `first` numbered lines, then `second` more once `go` exists, then waits. */
async function twoPhaseJob(name: string, first: number, second: number) {
  const go = path.join(sandbox.stateDir, `${name}.go`);
  const command = `seq 1 ${first}; while [ ! -e '${go}' ]; do sleep 0.05; done; seq ${first + 1} ${first + second}; sleep 300`;
  const job = await manager.create({ command, name });
  await eventually(async () => (await manager.output(job.id, { lines: 1 })).lines[0]?.text === String(first), 10_000, `line ${first}`);
  return { job, release: () => fs.writeFile(go, ""), last: first + second };
}

describe("reads", () => {
  test("since returns only what is new, and the cursor stays right while the ring slides past it", async () => {
    const { job, release, last } = await twoPhaseJob("slider", 50, 250);
    const firstRead = await manager.output(job.id, { lines: 100 });
    assert.deepEqual(texts(firstRead), range(1, 50));
    assert.equal(firstRead.next, 51);

    await release();
    await eventually(async () => (await manager.output(job.id, { lines: 1 })).lines[0]?.text === String(last), 10_000, "the second batch");
    // Lines 51-200 have left the 100-line ring: they come from the log file, numbered the same.
    const secondRead = await manager.output(job.id, { since: firstRead.next, lines: 2000 });
    assert.deepEqual(texts(secondRead), range(51, 300));
    assert.deepEqual(secondRead.lines.map((line) => line.no), range(51, 300).map(Number));
    assert.deepEqual(secondRead.fromDisk, { first: 51, last: 200 });
    assert.equal(secondRead.next, 301);
    assert.equal(secondRead.dropped, false);

    const nothingNew = await manager.output(job.id, { since: secondRead.next });
    assert.deepEqual(nothingNew.lines, []);
    assert.equal(nothingNew.next, 301);
  });

  test("lines limits a since read; following the cursor pages through everything once", async () => {
    const { job, release } = await twoPhaseJob("pager", 10, 240);
    await release();
    await eventually(async () => (await manager.output(job.id, { lines: 1 })).lines[0]?.text === "250", 10_000, "all lines");
    const seen: string[] = [];
    for (let cursor = 1, reads = 0; cursor <= 250; reads++) {
      assert.ok(reads < 10, "paging ends");
      const page = await manager.output(job.id, { since: cursor, lines: 64 });
      assert.ok(page.lines.length <= 64);
      seen.push(...texts(page));
      cursor = page.next;
      assert.equal(page.more, cursor <= 250);
    }
    assert.deepEqual(seen, range(1, 250));
    assert.deepEqual(texts(await manager.output(job.id, { lines: 3 })), ["248", "249", "250"], "tail reads are unchanged");
  });

  test("grep filters without consuming: matches on disk and in memory, then a plain read still has every line", async () => {
    const command = `for i in $(seq 1 300); do if [ $((i % 50)) -eq 0 ]; then echo "ERROR at $i"; else echo "ok $i"; fi; done; sleep 300`;
    const job = await manager.create({ command, name: "grepper" });
    await eventually(async () => (await manager.output(job.id, { lines: 1 })).lines[0]?.text === "ERROR at 300", 10_000, "all lines");

    const tail = await manager.output(job.id, { lines: 10, grep: "^ERROR" });
    assert.deepEqual(texts(tail), ["ERROR at 250", "ERROR at 300"], "a tail grep searches the ring");
    assert.deepEqual(tail.searched, { first: 201, last: 300 });

    const all = await manager.output(job.id, { since: 1, lines: 100, grep: "(?i)error AT \\d+0$" });
    assert.deepEqual(texts(all), range(1, 6).map((i) => `ERROR at ${Number(i) * 50}`));
    assert.equal(all.next, 301);
    assert.deepEqual(all.fromDisk, { first: 1, last: 200 });

    const two = await manager.output(job.id, { since: 1, lines: 2, grep: "ERROR" });
    assert.deepEqual(texts(two), ["ERROR at 50", "ERROR at 100"]);
    assert.equal(two.next, 101, "the cursor stops after the last match returned");

    assert.deepEqual(texts(await manager.output(job.id, { since: 95, lines: 10 })), ["ok 95", "ok 96", "ok 97", "ok 98", "ok 99", "ERROR at 100", "ok 101", "ok 102", "ok 103", "ok 104"]);
    await assert.rejects(manager.output(job.id, { grep: "(?<=x)y" }), /grep "\(\?<=x\)y" is not a valid RE2 regular expression/);
    await assert.rejects(manager.output(job.id, { grep: "x".repeat(501) }), /grep is 501 characters; the limit is 500/);
  });

  test("a finished job found by a new manager: its old output is read from disk with the right numbers", async () => {
    // ~390 KB: more than the 256 KB a new manager loads for a finished job.
    const job = await manager.create({ command: "seq 1 70000", name: "big-finished" });
    assert.equal((await manager.waitForStatus(job.id, ["completed"], 30_000)).status, "completed");
    const second = await sandbox.open({ config: { ringLines: 100_000 } });
    const tail = await second.output(job.id, { lines: 100_000 });
    const firstKept = tail.firstKept ?? 1;
    assert.ok(firstKept > 1, `the new manager kept only the log's tail (from line ${firstKept})`);
    assert.equal(tail.lines.at(-1)?.text, "70000");
    const head = await second.output(job.id, { since: 1, lines: 3 });
    assert.deepEqual(texts(head), ["1", "2", "3"]);
    assert.deepEqual(head.fromDisk, { first: 1, last: 3 });
    const seam = await second.output(job.id, { since: firstKept - 2, lines: 4 });
    assert.deepEqual(seam.lines.map((line) => `${line.no}:${line.text}`), range(firstKept - 2, firstKept + 1).map((n) => `${n}:${n}`));
  });
});

describe("input", () => {
  test("text then Enter reaches a process reading stdin; enter: false leaves the line open; multi-line text is several lines", async () => {
    const job = await manager.create({ command: `echo ready; while read -r line; do echo "got: $line"; done`, name: "reader" });
    await eventually(async () => texts(await manager.output(job.id)).includes("ready"), 10_000, "ready");
    await manager.send(job.id, { text: "hello world", enter: true });
    await eventually(async () => texts(await manager.output(job.id)).includes("got: hello world"), 10_000, "the echo of the input");

    await manager.send(job.id, { text: "par", enter: false });
    await manager.send(job.id, { text: "tial", enter: true });
    await manager.send(job.id, { text: "first\nsecond", enter: true });
    const lines = await eventually(async () => {
      const got = texts(await manager.output(job.id)).filter((line) => line.startsWith("got: "));
      return got.length >= 4 ? got : undefined;
    }, 10_000, "three more lines");
    assert.deepEqual(lines, ["got: hello world", "got: partial", "got: first", "got: second"]);
  });

  test("keys C-c interrupts the process: cancelled, like Ctrl-C typed by a person", async () => {
    const job = await manager.create({ command: `echo ready; while read -r line; do echo "got: $line"; done`, name: "interrupt-me" });
    await eventually(async () => texts(await manager.output(job.id)).includes("ready"), 10_000, "ready");
    await manager.send(job.id, { keys: ["C-c"] });
    const done = await manager.waitForStatus(job.id, ["completed", "failed", "cancelled"], 10_000);
    assert.equal(done.status, "cancelled");
    assert.match(done.error ?? "", /Ctrl-C/);
    await assert.rejects(manager.send(job.id, { text: "anyone there?" }), /is cancelled; only a running job takes input/);
  });

  test("bad input is refused before anything is typed", async () => {
    const job = await manager.create({ command: `echo ready; while read -r line; do echo "got: $line"; done`, name: "guarded" });
    await eventually(async () => texts(await manager.output(job.id)).includes("ready"), 10_000, "ready");
    await assert.rejects(manager.send(job.id, { text: "x".repeat(4001) }), /text line 1 is 4001 bytes; the limit is 4000 per line/);
    await assert.rejects(manager.send(job.id, { text: `ok\n${"y".repeat(5000)}` }), /text line 2 is 5000 bytes/);
    await assert.rejects(manager.send(job.id, { keys: ["C-c; kill-server"] }), /is not a key name/);
    await assert.rejects(manager.send(job.id, {}), /nothing to send/);
    // None of it reached the process: the next line it reads is the first one sent.
    await manager.send(job.id, { text: "after", enter: true });
    await eventually(async () => texts(await manager.output(job.id)).includes("got: after"), 10_000, "the valid input");
    assert.deepEqual(texts(await manager.output(job.id)).filter((line) => line.startsWith("got: ")), ["got: after"]);
    assert.equal(manager.get(job.id).status, "running");
  });
});
