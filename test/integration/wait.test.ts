// waitForJob on a real tmux server: a pattern already printed or printed later, the job ending
// first, a port opening on loopback, a timeout and an abort, each reported as a result.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import net from "node:net";
import path from "node:path";
import { createTmuxSandbox, eventually, type TmuxSandbox } from "../helpers/tmux-sandbox.js";
import { freePort } from "../../scripts/e2e/opencode-sandbox.js";
import type { JobManager } from "../../src/core/manager.js";
import { InvalidInputError, UnknownJobError } from "../../src/core/errors.js";
import { probeLoopbackPort } from "../../src/core/wait/port-probe.js";
import { waitForJob } from "../../src/core/wait/waiter.js";

let sandbox: TmuxSandbox;
let manager: JobManager;

before(async () => {
  sandbox = await createTmuxSandbox("obg-wait");
  manager = await sandbox.open();
});
after(async () => {
  await sandbox.cleanup();
});

/** A command that blocks until `file` exists, then runs `then`. */
const afterFile = (file: string, then: string) => `while [ ! -e '${file}' ]; do sleep 0.05; done; ${then}`;
const goFile = (name: string) => path.join(sandbox.stateDir, `go-${name}-${Math.random().toString(36).slice(2)}`);

async function outputHas(id: string, text: string): Promise<boolean> {
  return (await manager.output(id, { lines: 100 })).lines.some((line) => line.text === text);
}

describe("pattern", () => {
  test("a line already in the output counts: the wait answers before any timer runs (timeoutMs 0)", async () => {
    const job = await manager.create({ command: "echo booting; echo 'server listening on 4321'; sleep 300", name: "early" });
    await eventually(() => outputHas(job.id, "server listening on 4321"), 10_000, "the line to be printed");
    const result = await waitForJob(manager, job.id, { pattern: "listening on (\\d+)" }, { timeoutMs: 0 });
    assert.equal(result.outcome, "matched");
    assert.equal(result.satisfied, true);
    assert.deepEqual(result.line, { no: 2, text: "server listening on 4321" });
    assert.equal(result.job.status, "running");
  });

  test("the earliest matching line is reported when several match", async () => {
    const job = await manager.create({ command: "echo 'ready 1'; echo other; echo 'READY 2'; sleep 300" });
    await eventually(() => outputHas(job.id, "READY 2"), 10_000, "the lines to be printed");
    const result = await waitForJob(manager, job.id, { pattern: "^ready", ignoreCase: true }, { timeoutMs: 0 });
    assert.deepEqual(result.line, { no: 1, text: "ready 1" });
  });

  test("a line printed after the wait began ends the wait with that line and its number", async () => {
    const go = goFile("later");
    const job = await manager.create({ command: `echo one; echo two; ${afterFile(go, "echo 'Listening on http://127.0.0.1:5173'; sleep 300")}` });
    await eventually(() => outputHas(job.id, "two"), 10_000, "the first lines");
    const waiting = waitForJob(manager, job.id, { pattern: "Listening on http://\\S+" }, { timeoutMs: 30_000 });
    // Nothing matches yet: the wait is still open when the line is released.
    const state = await Promise.race([waiting.then(() => "settled"), new Promise((resolve) => setImmediate(() => resolve("open")))]);
    assert.equal(state, "open");
    await fs.writeFile(go, "");
    const result = await waiting;
    assert.equal(result.outcome, "matched");
    assert.deepEqual(result.line, { no: 3, text: "Listening on http://127.0.0.1:5173" });
  });

  test("a line written within 50 ms of the one before still arrives as an event (chokidar drops such changes)", async () => {
    for (let i = 0; i < 10; i++) {
      const go = goFile(`burst-${i}`);
      const job = await manager.create({ command: afterFile(go, "echo first; sleep 0.02; echo second; sleep 300") });
      await manager.waitForStatus(job.id, ["running"], 10_000);
      const waiting = waitForJob(manager, job.id, { pattern: "^second$" }, { timeoutMs: 5_000 });
      await fs.writeFile(go, "");
      const result = await waiting;
      assert.equal(result.outcome, "matched", `round ${i}: ${JSON.stringify(result.tail)}`);
      await manager.kill({ ids: [job.id] });
    }
  });

  test("the job exiting before the pattern shows ends the wait with its status, exit code and last lines", async () => {
    const go = goFile("exit-first");
    const job = await manager.create({ command: afterFile(go, "echo 'Error: port in use' >&2; exit 3") });
    const waiting = waitForJob(manager, job.id, { pattern: "listening" }, { timeoutMs: 30_000 });
    await fs.writeFile(go, "");
    const result = await waiting;
    assert.equal(result.outcome, "exited");
    assert.equal(result.satisfied, false);
    assert.equal(result.job.status, "failed");
    assert.equal(result.job.exitCode, 3);
    assert.deepEqual(result.tail.lines.map((line) => line.text), ["Error: port in use"]);
  });

  test("a job that already ended without the pattern answers at once", async () => {
    const job = await manager.create({ command: "echo bye" });
    await manager.waitForStatus(job.id);
    const result = await waitForJob(manager, job.id, { pattern: "never printed" }, { timeoutMs: 0 });
    assert.equal(result.outcome, "exited");
    assert.equal(result.job.status, "completed");
  });

  test("a pattern that backtracking engines take forever on is answered in linear time", async () => {
    const job = await manager.create({ command: `printf 'a%.0s' $(seq 1 5000); echo '!'; sleep 300` });
    await eventually(async () => (await manager.output(job.id, { lines: 1 })).lines[0]?.text.endsWith("!"), 10_000, "the long line");
    const result = await waitForJob(manager, job.id, { pattern: "^(a+)+$" }, { timeoutMs: 0 });
    assert.equal(result.outcome, "timeout");
  });
});

describe("exit", () => {
  test("waits for the end and returns status, exit code and the last lines", async () => {
    const go = goFile("exit");
    const job = await manager.create({ command: afterFile(go, "for i in $(seq 1 15); do echo line-$i; done; exit 0") });
    const waiting = waitForJob(manager, job.id, "exit", { timeoutMs: 30_000 });
    await fs.writeFile(go, "");
    const result = await waiting;
    assert.equal(result.outcome, "exited");
    assert.equal(result.satisfied, true);
    assert.equal(result.job.status, "completed");
    assert.equal(result.job.exitCode, 0);
    assert.deepEqual(result.tail.lines.map((line) => line.text), Array.from({ length: 10 }, (_, i) => `line-${i + 6}`));
  });

  test("a job killed while waited on ends the wait as cancelled", async () => {
    const job = await manager.create({ command: "sleep 300" });
    await manager.waitForStatus(job.id, ["running"], 10_000);
    const waiting = waitForJob(manager, job.id, "exit", { timeoutMs: 60_000 });
    await manager.kill({ ids: [job.id] });
    const result = await waiting;
    assert.equal(result.outcome, "exited");
    assert.equal(result.job.status, "cancelled");
  });
});

describe("port", () => {
  const server = (port: number, host: string) =>
    `node -e 'const s = require("net").createServer(c => c.end()); s.listen(${port}, "${host}", () => console.log("up"))'`;

  test("a port that opens later is reported with the loopback address that accepted", async () => {
    const port = await freePort();
    assert.equal(await probeLoopbackPort(port), undefined, "nothing listens yet");
    const go = goFile("port");
    const job = await manager.create({ command: afterFile(go, server(port, "127.0.0.1")) });
    const waiting = waitForJob(manager, job.id, { port }, { timeoutMs: 30_000 });
    await fs.writeFile(go, "");
    const result = await waiting;
    assert.equal(result.outcome, "port-open");
    assert.equal(result.host, "127.0.0.1");
    assert.equal(result.job.status, "running");
  });

  test("::1 counts as loopback too", async (t) => {
    const ipv6 = await new Promise<boolean>((resolve) => {
      const probe = net.createServer().once("error", () => resolve(false)).listen(0, "::1", () => probe.close(() => resolve(true)));
    });
    if (!ipv6) return t.skip("no IPv6 loopback on this machine");
    const port = await freePort();
    const job = await manager.create({ command: server(port, "::1") });
    const result = await waitForJob(manager, job.id, { port }, { timeoutMs: 30_000 });
    assert.equal(result.outcome, "port-open");
    assert.equal(result.host, "::1");
  });

  test("the job exiting before the port opens ends the wait", async () => {
    const port = await freePort();
    const go = goFile("port-exit");
    const job = await manager.create({ command: afterFile(go, "echo 'EADDRINUSE'; exit 1") });
    const waiting = waitForJob(manager, job.id, { port }, { timeoutMs: 30_000 });
    await fs.writeFile(go, "");
    const result = await waiting;
    assert.equal(result.outcome, "exited");
    assert.equal(result.satisfied, false);
    assert.equal(result.job.exitCode, 1);
    assert.equal(result.tail.lines.at(-1)?.text, "EADDRINUSE");
  });
});

describe("timeout, abort and bad input", () => {
  test("nothing happening within timeoutMs is a timeout result with the last lines, not an error", async () => {
    const job = await manager.create({ command: "echo still-starting; sleep 300" });
    await eventually(() => outputHas(job.id, "still-starting"), 10_000, "the first line");
    const result = await waitForJob(manager, job.id, { pattern: "ready" }, { timeoutMs: 300 });
    assert.equal(result.outcome, "timeout");
    assert.equal(result.satisfied, false);
    assert.equal(result.job.status, "running");
    assert.deepEqual(result.tail.lines.map((line) => line.text), ["still-starting"]);
  });

  test("an abort signal ends the wait at once, and so does one already aborted", async () => {
    const job = await manager.create({ command: "sleep 300" });
    const controller = new AbortController();
    const waiting = waitForJob(manager, job.id, "exit", { timeoutMs: 600_000, signal: controller.signal });
    controller.abort();
    assert.equal((await waiting).outcome, "aborted");
    assert.equal((await waitForJob(manager, job.id, { port: 1 }, { signal: AbortSignal.abort() })).outcome, "aborted");
    assert.equal(manager.get(job.id).status !== "completed", true, "the job itself is untouched");
  });

  test("unknown ids and invalid conditions are refused before waiting, naming the field and the limit", async () => {
    const job = await manager.create({ command: "sleep 300" });
    await assert.rejects(waitForJob(manager, "nosuchid", "exit"), UnknownJobError);
    await assert.rejects(waitForJob(manager, job.id, { pattern: "x".repeat(501) }), (error: Error) => error instanceof InvalidInputError && /until\.pattern is 501 characters; the limit is 500/.test(error.message));
    await assert.rejects(waitForJob(manager, job.id, { pattern: "(?=look)ahead" }), /until\.pattern is not a valid RE2/);
    await assert.rejects(waitForJob(manager, job.id, { port: 70000 }), /until\.port must be a whole number from 1 to 65535/);
    await assert.rejects(waitForJob(manager, job.id, "exit", { timeoutMs: 600_001 }), /timeoutMs must be .* 0 to 600000/);
  });
});
