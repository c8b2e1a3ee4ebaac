// job-usage.ts over a fake /proc: which processes form a job's tree, which sockets are listening
// ports, how memory adds up, and that a reused root pid is nobody's job.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { parseListeningSockets, parseProcStat, readJobUsage } from "../../src/core/job/job-usage.js";
import { formatUsage } from "../../src/text/usage.js";

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface FakeProcess { pid: number; ppid: number; pgrp: number; sid: number; comm?: string; start?: number; ticks?: number; rssKb?: number; sockets?: string[] }

function fakeProc(processes: FakeProcess[], tcp: string[], tcp6: string[] = []): string {
  const root = mkdtempSync(path.join(os.tmpdir(), "obg-fake-proc-"));
  dirs.push(root);
  for (const p of processes) {
    const dir = path.join(root, String(p.pid));
    mkdirSync(path.join(dir, "fd"), { recursive: true });
    // pid (comm) state ppid pgrp sid tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime prio nice threads itreal starttime
    const ticks = p.ticks ?? 0;
    writeFileSync(path.join(dir, "stat"), `${p.pid} (${p.comm ?? "sh"}) S ${p.ppid} ${p.pgrp} ${p.sid} 0 0 0 0 0 0 0 ${ticks} 0 0 0 20 0 1 0 ${p.start ?? 1000} 0 0\n`);
    writeFileSync(path.join(dir, "status"), `Name:\t${p.comm ?? "sh"}\nVmRSS:\t    ${p.rssKb ?? 0} kB\n`);
    symlinkSync("/dev/pts/3", path.join(dir, "fd", "0"));
    (p.sockets ?? []).forEach((inode, i) => symlinkSync(`socket:[${inode}]`, path.join(dir, "fd", String(10 + i))));
  }
  mkdirSync(path.join(root, "net"));
  const header = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
  writeFileSync(path.join(root, "net", "tcp"), header + tcp.join("\n") + "\n");
  writeFileSync(path.join(root, "net", "tcp6"), header + tcp6.join("\n") + "\n");
  return root;
}

/** A /proc/net/tcp row: local port (hex in the file), state, inode. */
function row(port: number, state: string, inode: string, v6 = false): string {
  const address = v6 ? "00000000000000000000000000000000" : "0100007F";
  return `   0: ${address}:${port.toString(16).toUpperCase().padStart(4, "0")} 00000000:0000 ${state} 00000000:00000000 00:00000000 00000000  1000        0 ${inode} 1 0000000000000000 100 0 0 10 0`;
}

test("a comm with spaces and parentheses does not shift the stat fields", () => {
  const stat = parseProcStat("42 (a) b (c) S 7 42 42 0 0 0 0 0 0 0 30 12 0 0 20 0 1 0 5555 0 0");
  assert.deepEqual(stat, { pid: 42, ppid: 7, pgrp: 42, sid: 42, state: "S", cpuTicks: 42, startTime: 5555 });
});

test("only LISTEN sockets count as ports, from tcp and tcp6 alike", () => {
  const map = parseListeningSockets(["header", row(5173, "0A", "111"), row(40000, "01", "112"), row(8080, "0A", "113", true)].join("\n"));
  assert.deepEqual([...map], [["111", 5173], ["113", 8080]]);
});

test("a job's tree: its root, its session and descendants that left it; ports and memory of all of them", async () => {
  const proc = fakeProc(
    [
      { pid: 100, ppid: 1, pgrp: 100, sid: 100, start: 900, rssKb: 1024 }, // the pane's wrapper
      { pid: 101, ppid: 100, pgrp: 101, sid: 100, comm: "node", rssKb: 50 * 1024, sockets: ["111", "112"] },
      { pid: 102, ppid: 101, pgrp: 102, sid: 102, comm: "esbuild", rssKb: 2048, sockets: ["113"] }, // setsid child
      { pid: 200, ppid: 1, pgrp: 200, sid: 200, comm: "other", rssKb: 9999, sockets: ["114"] },
    ],
    [row(5173, "0A", "111"), row(40000, "01", "112"), row(9999, "0A", "114")],
    [row(24678, "0A", "113", true)],
  );
  const usage = await readJobUsage([{ id: "job1", rootPid: 100, rootStartTime: 900 }], { procDir: proc });
  assert.deepEqual(usage.get("job1"), { ports: [5173, 24678], cpuPercent: undefined, rssBytes: (1024 + 50 * 1024 + 2048) * 1024, processes: 3 });
  assert.equal(formatUsage(usage.get("job1")), ":5173 :24678 · 53 MB");
});

test("a root pid with another start time (reused) is not the job's: no usage at all", async () => {
  const proc = fakeProc([{ pid: 100, ppid: 1, pgrp: 100, sid: 100, start: 901, rssKb: 1024, sockets: ["111"] }], [row(5173, "0A", "111")]);
  const usage = await readJobUsage([{ id: "job1", rootPid: 100, rootStartTime: 900 }], { procDir: proc });
  assert.equal(usage.size, 0);
});

test("without a /proc there is nothing to say", async () => {
  const usage = await readJobUsage([{ id: "job1", rootPid: 100, rootStartTime: 900 }], { procDir: "/nonexistent-proc" });
  assert.equal(usage.size, 0);
});

test("the terse text: ports, then cpu when sampled, then memory", () => {
  assert.equal(formatUsage({ ports: [5173], cpuPercent: 0.42, rssBytes: 52 * 1024 * 1024, processes: 2 }), ":5173 · 0.4% cpu · 52 MB");
  assert.equal(formatUsage({ ports: [], cpuPercent: 130, rssBytes: 3.1 * 1024 * 1024, processes: 4 }), "130% cpu · 3.1 MB");
  assert.equal(formatUsage(undefined), "");
});
