// A job's marker is found wherever it sits in a process's environment: core/procfs.ts reads
// /proc/PID/environ in 16 KB chunks, so an environment larger than one chunk must still be read whole.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { collectJobProcesses, isSameProcessAlive, readStartTime } from "../../src/core/end/process-tree.js";
import { readCmdline, readEnviron } from "../../src/core/procfs.js";

const started: { pid: number; startTime: number }[] = [];
after(() => {
  for (const p of started) if (isSameProcessAlive(p)) process.kill(p.pid, "SIGKILL");
});

test("a marker behind 40 KB of environment is found, and the environ read equals the whole block", async () => {
  const value = randomBytes(6).toString("hex");
  // Insertion order is environment order: the big variable comes first, the marker after it.
  const env: NodeJS.ProcessEnv = { BIG: "x".repeat(40_000), PATH: process.env.PATH, OBG_TEST_MARKER: value };
  const child = spawn("sleep", ["30"], { env, stdio: "ignore" });
  assert.ok(child.pid);
  // Until exec, the child's environment is still ours.
  for (let i = 0; i < 200 && (await readCmdline(child.pid))[0] !== "sleep"; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  started.push({ pid: child.pid, startTime: readStartTime(child.pid)! });
  const raw = await readEnviron(child.pid);
  assert.ok(raw);
  assert.ok(raw.length > 40_000);
  assert.ok(raw.toString("utf8").endsWith(`OBG_TEST_MARKER=${value}\0`), "the block is read to its end");
  assert.deepEqual(await collectJobProcesses({ marker: { name: "OBG_TEST_MARKER", value } }), [child.pid]);
  child.kill("SIGKILL");
});
