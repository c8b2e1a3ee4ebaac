// The waiting-for-input alarm on a real tmux server: a prompt left without a newline raises one
// alarm (event, state on disk, tmux window mark), typing into the window clears it, a later
// prompt raises it again, a progress line raises nothing, and two instances raise it once.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import path from "node:path";
import { createTmuxSandbox, eventually, type TmuxSandbox } from "../helpers/tmux-sandbox.js";
import type { JobManager } from "../../src/core/manager.js";
import type { InputWait } from "../../src/core/input/input-wait.js";
import { WAITING_OPTION } from "../../src/tmux/input-mark.js";

let sandbox: TmuxSandbox;
let manager: JobManager;
const raised: { jobId: string; wait: InputWait; at: number }[] = [];

before(async () => {
  sandbox = await createTmuxSandbox("obg-input");
  // Default inputWaitMs (3000): the alarm must come within 5 s of the prompt.
  manager = await sandbox.open({ listeners: { inputWait: (job, wait) => raised.push({ jobId: job.id, wait, at: Date.now() }) } });
});
after(async () => {
  await sandbox.cleanup();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const raisedFor = (id: string) => raised.filter((entry) => entry.jobId === id);
const windowMark = (windowId: string) => sandbox.tmux("show-options", "-wqv", "-t", windowId, WAITING_OPTION).trim();
/** The window's entry in the status line, as tmux renders it (the name itself never changes). */
const statusEntry = (windowId: string) => sandbox.tmux("display-message", "-p", "-t", windowId, "#{T:window-status-format}").trim();

describe("waiting for input", () => {
  test("a y/N prompt raises one alarm within 5 s; y + Enter typed in the window clears it and the job goes on; a later prompt raises it again", async () => {
    const command = `read -p "Proceed? (y/N) " a; echo "got $a"; read -p "Password: " b; echo "done"; sleep 300`;
    const job = await manager.create({ command, name: "asker" });
    const shown = await eventually(async () => (await manager.output(job.id, { lines: 1 })).pending === "Proceed? (y/N) " ? Date.now() : undefined, 10_000, "the prompt");
    const first = await eventually(() => raisedFor(job.id)[0], 5_000, "the alarm");
    assert.ok(first.at - shown < 5_000, `alarm after ${first.at - shown} ms`);
    assert.equal(first.wait.prompt, "Proceed? (y/N) ");
    assert.equal(manager.get(job.id).inputWait?.prompt, "Proceed? (y/N) ");
    const windowId = manager.get(job.id).windowId as string;
    assert.equal(windowMark(windowId), "1");
    assert.match(statusEntry(windowId), /^⌨ \d+:asker-/);
    assert.ok(existsSync(path.join(sandbox.stateDir, "jobs", job.id, "input-wait.json")));
    // The TUI's kind of manager (no log tailing) learns it from the job folder, at open and later.
    const sidebar = await sandbox.open({ observeOnly: true });
    assert.equal(sidebar.get(job.id).inputWait?.prompt, "Proceed? (y/N) ");

    // Still silent: no second alarm for the same prompt.
    await sleep(1500);
    assert.equal(raisedFor(job.id).length, 1);

    // A person answers in the tmux window.
    sandbox.tmux("send-keys", "-t", manager.get(job.id).paneId as string, "y", "Enter");
    await eventually(async () => (await manager.output(job.id, { lines: 5 })).lines.some((line) => line.text === "got y"), 10_000, "got y");
    await eventually(() => manager.get(job.id).inputWait === undefined, 5_000, "the alarm cleared");
    await eventually(() => sidebar.get(job.id).inputWait === undefined, 5_000, "the alarm cleared in the sidebar's manager");
    await eventually(() => windowMark(windowId) === "", 5_000, "the window mark gone");
    assert.match(statusEntry(windowId), /^\d+:asker-/);
    assert.equal(sandbox.tmux("show-options", "-wqv", "-t", windowId, "window-status-format").trim(), "", "the per-window format is unset again");
    assert.equal(manager.get(job.id).status, "running");

    // The next prompt raises it again; input sent through the manager clears it.
    const second = await eventually(() => raisedFor(job.id)[1], 8_000, "the second alarm");
    assert.equal(second.wait.prompt, "Password: ");
    await eventually(() => sidebar.get(job.id).inputWait?.prompt === "Password: ", 5_000, "the sidebar's manager to see the second alarm");
    assert.ok(second.wait.position > first.wait.position);
    await manager.send(job.id, { text: "secret", enter: true });
    await eventually(async () => (await manager.output(job.id, { lines: 5 })).lines.some((line) => line.text === "done"), 10_000, "done");
    assert.equal(manager.get(job.id).inputWait, undefined);
    await eventually(() => !existsSync(path.join(sandbox.stateDir, "jobs", job.id, "input-wait.json")), 5_000, "input-wait.json removed");
    assert.equal(raisedFor(job.id).length, 2);
  });

  test("a progress line without a newline that is not a question raises nothing", async () => {
    const job = await manager.create({ command: `printf 'Downloading 45%%'; sleep 300`, name: "progress" });
    await eventually(async () => (await manager.output(job.id, { lines: 1 })).pending === "Downloading 45%", 10_000, "the progress line");
    await sleep(4500);
    assert.equal(raisedFor(job.id).length, 0);
    assert.equal(manager.get(job.id).inputWait, undefined);
  });

  test("a REPL prompt the agent already saw in a tool result raises nothing; the next unseen one does", async () => {
    const command = `while read -r -p ">>> " line; do echo "= $line"; done`;
    const job = await manager.create({ command, name: "repl" });
    await eventually(async () => (await manager.output(job.id, { lines: 1 })).pending === ">>> ", 10_000, "the first prompt");
    // What getBackgroundProcess and sendProcessInput do after reading: the agent saw ">>> ".
    manager.inputPromptShown(job.id);
    await sleep(4000);
    assert.equal(raisedFor(job.id).length, 0);
    // Typed by a person: the new ">>> " was shown to nobody, so it raises the alarm.
    sandbox.tmux("send-keys", "-t", manager.get(job.id).paneId as string, "1+1", "Enter");
    const alarm = await eventually(() => raisedFor(job.id)[0], 8_000, "the alarm for the unseen prompt");
    assert.equal(alarm.wait.prompt, ">>> ");
  });

  test("two instances watching the same job raise the alarm once, and both show it", async () => {
    const seenBySecond: string[] = [];
    const second = await sandbox.open({ listeners: { inputWait: (job) => seenBySecond.push(job.id) } });
    const job = await manager.create({ command: `read -p "Continue? " a; echo "ok $a"; sleep 300`, name: "shared" });
    await eventually(() => second.has(job.id), 5_000, "the second instance to see the job");
    await eventually(() => raisedFor(job.id).length + seenBySecond.filter((id) => id === job.id).length > 0, 8_000, "the alarm");
    await eventually(() => manager.get(job.id).inputWait && second.get(job.id).inputWait, 5_000, "both instances to show it");
    await sleep(1500);
    assert.equal(raisedFor(job.id).length + seenBySecond.filter((id) => id === job.id).length, 1);
  });
});
