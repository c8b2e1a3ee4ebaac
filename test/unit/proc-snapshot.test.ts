// Shared /proc snapshots (end/proc-snapshot.ts): concurrent collects share scans, but nobody is
// ever handed a scan that started before it asked (it could miss a process forked just before).
import assert from "node:assert/strict";
import { test } from "node:test";
import { SnapshotSource, type SnapshotReaders } from "../../src/core/end/proc-snapshot.js";
import type { ProcessInfo } from "../../src/core/procfs.js";

function fakeReaders() {
  const scans: { resolve: (procs: ProcessInfo[]) => void }[] = [];
  let environReads = 0;
  let fdReads = 0;
  const readers: SnapshotReaders = {
    scan: () => new Promise((resolve) => scans.push({ resolve })),
    environ: async (pid) => {
      environReads++;
      return pid === 7 ? Buffer.from("A=1\0OPENCODE_BG_JOB=job1\0B=2\0OPENCODE_BG_JOB=job2\0") : undefined;
    },
    fdTargets: async (pid) => {
      fdReads++;
      return new Set(pid === 7 ? ["/dev/pts/3"] : []);
    },
  };
  return { readers, scans, environReads: () => environReads, fdReads: () => fdReads };
}

const proc = (pid: number): ProcessInfo => ({ pid, ppid: 1, pgrp: pid, sid: pid, state: "S", comm: "x", startTime: pid });
const tick = () => new Promise((resolve) => setImmediate(resolve));

test("a request made while a scan runs never gets that scan, but the next one", async () => {
  const fake = fakeReaders();
  const source = new SnapshotSource(fake.readers);
  const a = source.take();
  const b = source.take();
  assert.equal(fake.scans.length, 1);
  fake.scans[0]!.resolve([proc(1)]);
  await a;
  await tick();
  assert.equal(fake.scans.length, 2, "b waits for a scan that started after it asked");
  fake.scans[1]!.resolve([proc(1), proc(2)]);
  assert.deepEqual((await b).procs.map((p) => p.pid), [1, 2]);
});

test("requests made during one running scan share the next scan", async () => {
  const fake = fakeReaders();
  const source = new SnapshotSource(fake.readers);
  const first = source.take();
  const waiting = [source.take(), source.take(), source.take()];
  fake.scans[0]!.resolve([proc(1)]);
  assert.deepEqual((await first).procs.map((p) => p.pid), [1]);
  await tick();
  assert.equal(fake.scans.length, 2, "one scan for the three that waited");
  fake.scans[1]!.resolve([proc(1), proc(9)]);
  const snapshots = await Promise.all(waiting);
  assert.ok(snapshots.every((snapshot) => snapshot === snapshots[0]));
  assert.deepEqual(snapshots[0]!.procs.map((p) => p.pid), [1, 9]);
});

test("a failed scan fails only its own requests; the next request scans again", async () => {
  const scans: { reject: (error: Error) => void; resolve: (procs: ProcessInfo[]) => void }[] = [];
  const source = new SnapshotSource({
    scan: () => new Promise((resolve, reject) => scans.push({ resolve, reject })),
    environ: async () => undefined,
    fdTargets: async () => new Set(),
  });
  const failing = source.take();
  scans[0]!.reject(new Error("EMFILE"));
  await assert.rejects(failing, /EMFILE/);
  const next = source.take();
  assert.equal(scans.length, 2);
  scans[1]!.resolve([proc(3)]);
  assert.deepEqual((await next).procs.map((p) => p.pid), [3]);
});

test("a snapshot reads each process's environ and open fds once, and matches any entry of the marker name exactly", async () => {
  const fake = fakeReaders();
  const source = new SnapshotSource(fake.readers);
  const taken = source.take();
  fake.scans[0]!.resolve([proc(7), proc(8), { ...proc(9), state: "Z" }]);
  const snapshot = await taken;
  assert.deepEqual([...(await snapshot.withEnvEntry("OPENCODE_BG_JOB", "job1"))], [7]);
  assert.deepEqual([...(await snapshot.withEnvEntry("OPENCODE_BG_JOB", "job2"))], [7], "a name may appear twice in a block");
  assert.equal((await snapshot.withEnvEntry("OPENCODE_BG_JOB", "job")).size, 0, "a prefix of the value is not a match");
  assert.equal((await snapshot.withEnvEntry("OPENCODE_BG", "JOB=job1")).size, 0, "a prefix of the name is not a match");
  assert.equal(fake.environReads(), 4, "each live process once per name; the zombie never");
  assert.equal(await snapshot.holdsFile(7, "/dev/pts/3"), true);
  assert.equal(await snapshot.holdsFile(7, "/dev/pts/4"), false);
  assert.equal(fake.fdReads(), 1);
});
