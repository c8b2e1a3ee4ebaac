// The short wait tools make for a job's first output (create, restart, typed input): which lines
// end it, that a job leaving "running" ends it, that quiet mode waits for the output to settle,
// and that it leaves no listener behind. A plain event emitter stands in for the manager.
import { test } from "node:test";
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import type { ManagerEvents, ManagerEventSource } from "../../src/core/job/registry.js";
import type { JobView } from "../../src/core/job/job.js";
import { waitForOutput } from "../../src/core/wait/output-arrival.js";

function fakeManager(): ManagerEventSource & { emitter: EventEmitter<ManagerEvents> } {
  const emitter = new EventEmitter<ManagerEvents>();
  return {
    emitter,
    on(event, listener) {
      emitter.on(event, listener as never);
      return () => emitter.off(event, listener as never);
    },
  };
}

const listeners = (manager: ReturnType<typeof fakeManager>) => manager.emitter.listenerCount("line") + manager.emitter.listenerCount("status");

test("the first line of this job ends the wait; other jobs' lines and lines up to afterLine do not", async () => {
  const manager = fakeManager();
  let done = false;
  const wait = waitForOutput(manager, "a", { timeoutMs: 60_000, afterLine: 5 }).then(() => (done = true));
  manager.emitter.emit("line", "b", "other job", 9);
  manager.emitter.emit("line", "a", "separator", 5);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(done, false);
  manager.emitter.emit("line", "a", "new run", 6);
  await wait;
  assert.equal(listeners(manager), 0, "no listener left behind");
});

test("a job that stops running ends the wait", async () => {
  const manager = fakeManager();
  const wait = waitForOutput(manager, "a", { timeoutMs: 60_000 });
  manager.emitter.emit("status", { id: "a", status: "running" } as JobView);
  manager.emitter.emit("status", { id: "a", status: "failed" } as JobView);
  await wait;
  assert.equal(listeners(manager), 0);
});

test("with quietMs the wait goes on while lines keep coming, and ends once they stop", async () => {
  const manager = fakeManager();
  let done = false;
  const wait = waitForOutput(manager, "a", { timeoutMs: 60_000, quietMs: 1000 }).then(() => (done = true));
  for (let line = 1; line <= 5; line++) {
    manager.emitter.emit("line", "a", `reply ${line}`, line);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(done, false, `still waiting after line ${line}`);
  }
  await wait;
  assert.equal(listeners(manager), 0);
});

test("an aborted signal or the timeout ends the wait without an error", async () => {
  const manager = fakeManager();
  const stop = new AbortController();
  const aborted = waitForOutput(manager, "a", { timeoutMs: 60_000, signal: stop.signal });
  stop.abort();
  await aborted;
  await waitForOutput(manager, "a", { timeoutMs: 1 });
  assert.equal(listeners(manager), 0);
});
