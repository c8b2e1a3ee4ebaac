// The notification succession chain (real files in a temp dir) and where markers end in a log.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { claimFileAfter, resolveNotifyHolder } from "../../src/core/notify/notify-claim.js";
import { lineEnds, scanNotifyMarkers } from "../../src/core/notify/notify-scan.js";

const owner = { instanceId: "owner", pid: 1001 };
const instance = (n: number) => ({ instanceId: `i${n}`, pid: 2000 + n });

async function withDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "obg-claim-"));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test("claim: nobody takes over from a live owner", () =>
  withDir(async (dir) => {
    const result = await resolveNotifyHolder(dir, owner, instance(1), () => true);
    assert.deepEqual(result, { holder: owner, mine: false });
    assert.deepEqual(await readdir(dir), []);
  }));

test("claim: 20 instances racing for a dead owner's place, exactly one wins and all agree on it", () =>
  withDir(async (dir) => {
    const dead = new Set([owner.pid]);
    const alive = (pid: number) => !dead.has(pid);
    const results = await Promise.all(Array.from({ length: 20 }, (_, n) => resolveNotifyHolder(dir, owner, instance(n), alive)));
    const winners = results.filter((result) => result.mine);
    assert.equal(winners.length, 1);
    assert.ok(results.every((result) => result.holder.instanceId === winners[0]?.holder.instanceId));
    assert.deepEqual((await readdir(dir)).filter((name) => !name.endsWith(".tmp")), ["notify-claim.after-owner"]);
  }));

test("claim: when the successor dies too, the next step has its own file and one winner", () =>
  withDir(async (dir) => {
    await writeFile(claimFileAfter(dir, owner.instanceId), JSON.stringify(instance(1)));
    const dead = new Set([owner.pid, instance(1).pid]);
    const alive = (pid: number) => !dead.has(pid);
    const results = await Promise.all([2, 3, 4].map((n) => resolveNotifyHolder(dir, owner, instance(n), alive)));
    assert.equal(results.filter((result) => result.mine).length, 1);
    assert.deepEqual((await readdir(dir)).sort(), ["notify-claim.after-i1", "notify-claim.after-owner"]);
    // The winner of step two, asked again, is still the holder.
    const winner = results.find((result) => result.mine)!.holder;
    assert.deepEqual(await resolveNotifyHolder(dir, owner, winner, alive), { holder: winner, mine: true });
  }));

test("marker positions: each line of a chunk ends after its own newline", () => {
  const chunk = Buffer.from("a\nOPENCODE_NOTIFY: x\nrest");
  assert.deepEqual(lineEnds(chunk, 100, 2), [102, 121]);
  assert.deepEqual(lineEnds(chunk, 100, 3), [102, 121, 125], "a line flushed without a newline ends with the chunk");
});

test("scan: markers after the cursor and up to the limit, with their ends", () =>
  withDir(async (dir) => {
    const log = path.join(dir, "output.log");
    const text = "OPENCODE_NOTIFY: one\nplain\nOPENCODE_NOTIFY: two\nOPENCODE_NOTIFY: three\n";
    await writeFile(log, text);
    const endOf = (marker: string) => text.indexOf(marker) + marker.length + 1;
    const all = await scanNotifyMarkers(log, 0, text.length);
    assert.deepEqual(all, [
      { message: "one", end: endOf("OPENCODE_NOTIFY: one") },
      { message: "two", end: endOf("OPENCODE_NOTIFY: two") },
      { message: "three", end: endOf("OPENCODE_NOTIFY: three") },
    ]);
    assert.deepEqual(await scanNotifyMarkers(log, endOf("OPENCODE_NOTIFY: one"), endOf("OPENCODE_NOTIFY: two")), [all[1]]);
  }));
