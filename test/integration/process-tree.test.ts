// Builds the process trees of docs/tmux.md "Killing without orphans" and checks that
// killJobProcesses leaves none of them behind, while sparing everything that is not the job's.

import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  collectJobProcesses,
  isProcessAlive,
  killJobProcesses,
  readStartTime,
  scanProcesses,
} from "../../src/core/end/process-tree.js";

const MARKER = "OPENCODE_BG_JOB";
const dir = mkdtempSync(join(tmpdir(), "obg-ptree-"));
const started = new Set<number>(); // every pid any test started: cleanup kills the live ones
const MODULE_URL = new URL("../../src/core/end/process-tree.ts", import.meta.url).href;
const REPO = fileURLToPath(new URL("../..", import.meta.url));

const baseEnv = (): NodeJS.ProcessEnv => {
  const env = { ...process.env };
  delete env[MARKER];
  delete env.TMUX;
  delete env.TMUX_PANE;
  return env;
};

const unique = () => randomBytes(6).toString("hex");
const marker = (value: string) => ({ name: MARKER, value });
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

after(() => {
  for (const pid of started) {
    if (isProcessAlive(pid)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

interface Tree {
  root: number;
  pidFile: string;
}

// Like tmux does for a pane: the root is a session leader (pid = pgid = sid). The script
// appends each pid it starts to "$PIDS".
function startTree(script: string, env: NodeJS.ProcessEnv): Tree {
  const pidFile = join(dir, `pids-${unique()}`);
  const child = spawn("bash", ["-c", script], {
    detached: true,
    stdio: "ignore",
    env: { ...baseEnv(), ...env, PIDS: pidFile },
  });
  child.unref();
  assert.ok(child.pid, "spawn failed");
  started.add(child.pid);
  return { root: child.pid, pidFile };
}

function readPids(file: string): number[] {
  let text = "";
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return [];
  }
  return [...new Set(text.split("\n").filter(Boolean).map(Number))];
}

// The tree is up when it has recorded `count` pids and all of them are running.
async function waitForPids(file: string, count: number): Promise<number[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const pids = readPids(file);
    pids.forEach((p) => started.add(p));
    if (pids.length >= count && pids.every(isProcessAlive)) return pids;
    if (Date.now() > deadline) throw new Error(`tree not up: ${JSON.stringify(pids)} of ${count}`);
    await sleep(20);
  }
}

function assertAllGone(pids: number[]): void {
  const alive = pids.filter(isProcessAlive);
  assert.deepEqual(alive, [], `survivors: ${alive.join(", ")}`);
}

async function runTree(script: string, count: number, graceMs = 3000, env: NodeJS.ProcessEnv = {}) {
  const value = unique();
  const tree = startTree(script, { ...env, [MARKER]: value });
  const pids = await waitForPids(tree.pidFile, count);
  const result = await killJobProcesses({ marker: marker(value), rootPid: tree.root, graceMs });
  assert.deepEqual(result.survivors, []);
  assert.deepEqual(result.denied, []);
  assertAllGone([tree.root, ...pids]);
  return { pids, result, root: tree.root };
}

const NODE_TREE_JS = `
const { spawn } = require("node:child_process");
const a = spawn("sleep", ["300"], { stdio: "ignore" });
const b = spawn("sleep", ["300"], { stdio: "ignore", detached: true });
b.unref();
require("node:fs").appendFileSync(process.env.PIDS, [process.pid, a.pid, b.pid].join("\\n") + "\\n");
setInterval(() => {}, 1e6);
`;

describe("killJobProcesses: the tmux.md matrix leaves zero survivors", { concurrency: false }, () => {
  test("node + child + detached child (TERM-obeying: forced is empty)", { timeout: 20_000 }, async () => {
    const { pids, result } = await runTree(`exec node -e "$JS"`, 3, 3000, { JS: NODE_TREE_JS });
    // The detached child is in its own session: only the marker finds it.
    for (const pid of pids) assert.ok(result.signalled.includes(pid), `${pid} not signalled`);
    assert.deepEqual(result.forced, []);
  });

  test("nohup child", { timeout: 20_000 }, async () => {
    await runTree(
      `echo $$ >> "$PIDS"; nohup sleep 300 >/dev/null 2>&1 & echo $! >> "$PIDS"; sleep 300 & echo $! >> "$PIDS"; wait`,
      3,
    );
  });

  test("setsid child", { timeout: 20_000 }, async () => {
    await runTree(
      `echo $$ >> "$PIDS"; setsid bash -c 'echo $$ >> "$PIDS"; exec sleep 300' & sleep 300 & echo $! >> "$PIDS"; wait`,
      3,
    );
  });

  test('trap "" TERM HUP INT needs SIGKILL and shows up in forced', { timeout: 20_000 }, async () => {
    const { pids, result, root } = await runTree(
      `trap "" TERM HUP INT; echo $$ >> "$PIDS"; sleep 300 & echo $! >> "$PIDS"; wait`,
      2,
      300,
    );
    assert.equal(pids[0], root);
    for (const pid of pids) assert.ok(result.forced.includes(pid), `${pid} not in forced`);
  });

  test("double-fork daemon", { timeout: 20_000 }, async () => {
    // Subshell backgrounds a new-session bash that forks the daemon and exits: ppid 1, own sid.
    await runTree(
      `echo $$ >> "$PIDS"; ( setsid bash -c '( echo $BASHPID >> "$PIDS"; exec sleep 300 ) &' & ); sleep 300 & echo $! >> "$PIDS"; wait`,
      3,
    );
  });

  test("set -m background jobs (each in its own process group)", { timeout: 20_000 }, async () => {
    await runTree(
      `set -m; echo $$ >> "$PIDS"; sleep 300 & echo $! >> "$PIDS"; sleep 300 & echo $! >> "$PIDS"; wait`,
      3,
    );
  });
});

describe("what is not the job's is spared", { concurrency: false }, () => {
  test("TERM-obeying plain tree: forced is empty", { timeout: 20_000 }, async () => {
    const { result, pids } = await runTree(
      `echo $$ >> "$PIDS"; sleep 300 & echo $! >> "$PIDS"; sleep 300 & echo $! >> "$PIDS"; wait`,
      3,
    );
    assert.deepEqual(result.forced, []);
    assert.deepEqual([...result.signalled].sort(), [...pids].sort());
  });

  test("a process without the marker outside the tree stays alive", { timeout: 20_000 }, async () => {
    const outsider = startTree(`echo $$ >> "$PIDS"; exec sleep 300`, {});
    const [outsiderPid] = await waitForPids(outsider.pidFile, 1);
    assert.ok(outsiderPid);
    try {
      await runTree(`echo $$ >> "$PIDS"; sleep 300 & echo $! >> "$PIDS"; wait`, 2);
      assert.ok(isProcessAlive(outsiderPid), "outsider was killed");
    } finally {
      process.kill(outsiderPid, "SIGKILL");
    }
  });

  test("marker match is exact: no prefix, no other variable, no substring", { timeout: 20_000 }, async () => {
    const value = unique();
    const lookalikes = [
      { [MARKER]: `${value}c` }, // job "abc" vs job "ab"
      { [`X_${MARKER}`]: value },
      { OTHER: `${MARKER}=${value}` },
    ];
    const trees = lookalikes.map((env) => startTree(`echo $$ >> "$PIDS"; exec sleep 300`, env));
    const pids = (await Promise.all(trees.map((t) => waitForPids(t.pidFile, 1)))).flat();
    try {
      assert.deepEqual(await collectJobProcesses({ marker: marker(value) }), []);
      const result = await killJobProcesses({ marker: marker(value) });
      assert.deepEqual(result, { signalled: [], forced: [], survivors: [], denied: [] });
      for (const pid of pids) assert.ok(isProcessAlive(pid), `${pid} was killed`);
      // Sanity: the same processes are found under their own exact value.
      assert.deepEqual(await collectJobProcesses({ marker: marker(`${value}c`) }), [pids[0]]);
    } finally {
      for (const pid of pids) process.kill(pid, "SIGKILL");
    }
  });

  test("never includes our own process or its ancestors, even when they carry the marker", { timeout: 30_000 }, async () => {
    const value = unique();
    const js = `
      const { collectJobProcesses } = await import(${JSON.stringify(MODULE_URL)});
      const pids = await collectJobProcesses({ marker: { name: "${MARKER}", value: process.env.${MARKER} } });
      console.log(JSON.stringify({ self: process.pid, parent: process.ppid, pids }));`;
    const pidFile = join(dir, `pids-${unique()}`);
    const out = execFileSync(
      "bash",
      ["-c", `sleep 300 & echo $! >> "$PIDS"; node --import tsx --input-type=module -e "$JS"; kill $!`],
      { cwd: REPO, env: { ...baseEnv(), [MARKER]: value, PIDS: pidFile, JS: js }, encoding: "utf8" },
    );
    readPids(pidFile).forEach((p) => started.add(p));
    const seen = JSON.parse(out) as { self: number; parent: number; pids: number[] };
    assert.ok(!seen.pids.includes(seen.self), "collected itself");
    assert.ok(!seen.pids.includes(seen.parent), "collected its parent");
    assert.deepEqual(seen.pids, readPids(pidFile)); // the sibling sleep, and only it
  });

  test("zombies are skipped and count as dead", { timeout: 20_000 }, async () => {
    // The child exits after its parent exec'd into a sleep that never reaps it. (A child that
    // exits before the exec is reaped by bash itself: under load `sleep 0` never became a zombie.)
    const value = unique();
    const tree = startTree(`sleep 0.5 & echo $! >> "$PIDS"; exec sleep 300`, { [MARKER]: value });
    const [zombie] = await waitRecorded(tree.pidFile);
    assert.ok(zombie);
    await waitState(zombie, "Z");
    assert.equal(isProcessAlive(zombie), false);
    assert.deepEqual(await collectJobProcesses({ marker: marker(value), rootPid: tree.root }), [tree.root]);
    const result = await killJobProcesses({ marker: marker(value), rootPid: tree.root });
    assert.deepEqual(result.survivors, []);
    assertAllGone([tree.root, zombie]);
  });
});

async function waitRecorded(file: string): Promise<number[]> {
  for (let i = 0; i < 500; i++) {
    const pids = readPids(file);
    if (pids.length) return pids;
    await sleep(10);
  }
  throw new Error("no pid recorded");
}

async function waitState(pid: number, state: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const info = (await scanProcesses()).find((p) => p.pid === pid);
    if (info?.state === state) return;
    await sleep(10);
  }
  throw new Error(`${pid} never reached state ${state}`);
}

describe("scanProcesses", () => {
  test("parses stat fields after the last ')' (comm with spaces and parens)", { timeout: 20_000 }, async () => {
    const weird = join(dir, "a) b (c");
    symlinkSync(execFileSync("bash", ["-c", "command -v sleep"], { encoding: "utf8" }).trim(), weird);
    const child = spawn(weird, ["300"], { detached: true, stdio: "ignore", env: baseEnv() });
    child.unref();
    assert.ok(child.pid);
    started.add(child.pid);
    try {
      let info;
      // Until sleep is asleep: just after its exec it is still "R" for a moment (seen under load).
      for (let i = 0; i < 500 && (info?.comm !== "a) b (c" || info.state !== "S"); i++) {
        info = (await scanProcesses()).find((p) => p.pid === child.pid);
        await sleep(10);
      }
      assert.deepEqual(
        { comm: info?.comm, ppid: info?.ppid, pgrp: info?.pgrp, sid: info?.sid, state: info?.state },
        { comm: "a) b (c", ppid: process.pid, pgrp: child.pid, sid: child.pid, state: "S" },
      );
      assert.ok((info?.startTime ?? 0) > 0);
    } finally {
      process.kill(child.pid, "SIGKILL");
    }
  });
});

describe("inside a real tmux window (private server)", () => {
  const socket = `obg-test-${unique()}`;
  const tmux = (...args: string[]) =>
    execFileSync("tmux", ["-L", socket, "-f", "/dev/null", ...args], { env: baseEnv(), encoding: "utf8" }).trim();

  after(() => {
    try {
      tmux("kill-server");
    } catch {
      // server never started or already gone
    }
    // tmux 3.3a leaves its socket file behind after kill-server.
    rmSync(join(process.env.TMUX_TMPDIR || "/tmp", `tmux-${process.getuid?.() ?? 0}`, socket), { force: true });
  });

  test("rootPid = #{pane_pid} plus marker kills everything the window started", { timeout: 30_000 }, async () => {
    const value = unique();
    const pidFile = join(dir, `pids-${unique()}`);
    // The wrapper exports the marker itself, so the pane process's own /proc environ lacks
    // it: the root is found through its session, its escaped children through the marker.
    const wrapper = [
      `export ${MARKER}='${value}' PIDS='${pidFile}'`,
      `echo $$ >> "$PIDS"`,
      `nohup sleep 300 >/dev/null 2>&1 & echo $! >> "$PIDS"`,
      `setsid bash -c 'echo $$ >> "$PIDS"; exec sleep 300' &`,
      `( setsid bash -c '( echo $BASHPID >> "$PIDS"; exec sleep 300 ) &' & )`,
      `set -m`,
      `sleep 300 & echo $! >> "$PIDS"`,
      `( trap "" TERM HUP INT; echo $BASHPID >> "$PIDS"; exec sleep 300 ) &`,
      `wait`,
    ].join("\n");
    tmux("new-session", "-d", "-s", "obg", "-x", "80", "-y", "24", "sleep", "3600");
    const panePid = Number(tmux("new-window", "-d", "-P", "-F", "#{pane_pid}", "-t", "obg:", "bash", "-c", wrapper));
    assert.ok(panePid > 1);
    started.add(panePid);
    const pids = await waitForPids(pidFile, 6);
    assert.equal(pids[0], panePid, "the pane process is the wrapper");

    // What started.json records: the pane's pid with its start time (without it, a pid is no proof).
    const rootStartTime = readStartTime(panePid);
    const collected = await collectJobProcesses({ marker: marker(value), rootPid: panePid, rootStartTime });
    for (const pid of pids) assert.ok(collected.includes(pid), `${pid} not collected`);

    const result = await killJobProcesses({ marker: marker(value), rootPid: panePid, rootStartTime, graceMs: 300 });
    assert.deepEqual(result.survivors, []);
    assert.ok(result.forced.length >= 1, "the TERM-ignoring sleep needed SIGKILL");
    assertAllGone(pids);
  });
});
