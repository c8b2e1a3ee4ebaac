// The built CLI as a person would run it (private tmux server and state dir): typing into a job
// with send, by hand with tmux send-keys, and closing a job's window by hand.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { useCliSandbox } from "../helpers/cli-runner.js";

const box = useCliSandbox("obg-cli-input", { before, after });
const { cli, ok, runJob, untilStatus, untilOutput } = box;

describe("typing into a job", () => {
  const echoLoop = `while IFS= read -r line; do echo "got:$line"; done`;

  test("send types text and Enter; --no-enter waits for more; the echo shows in the output", async () => {
    const id = await runJob(echoLoop);
    await untilStatus(id, "running");
    await ok("send", id, "hello", "world");
    await untilOutput(id, "got:hello world");
    await ok("send", id, "--no-enter", "abc");
    await ok("send", id, "def");
    const lines = await untilOutput(id, "got:abcdef");
    assert.ok(lines.includes("hello world"), "the terminal echoed the typed line");
    assert.ok(!lines.includes("got:abc"), "no Enter after --no-enter");

    await ok("send", id, "--key", "C-c");
    const done = await untilStatus(id, "cancelled");
    assert.equal(done.error, "interrupted with Ctrl-C in its tmux window");
    assert.equal(done.exitCode, 130);

    const late = await cli("send", id, "too late");
    assert.equal(late.code, 1, "a finished job takes no input");
    assert.match(late.stderr, /only a running job takes input/);
  });

  test("send without text or keys is a usage error; to an unknown id it fails", async () => {
    assert.equal((await cli("send", "zzzzzzzz")).code, 2);
    assert.equal((await cli("send", "zzzzzzzz", "hi")).code, 1);
  });

  test("text typed with tmux send-keys by hand shows in the job's output", async () => {
    const id = await runJob(echoLoop);
    const { paneId } = await untilStatus(id, "running");
    assert.ok(paneId);
    box.sandbox().tmux("send-keys", "-t", paneId, "-l", "typed by hand");
    box.sandbox().tmux("send-keys", "-t", paneId, "Enter");
    await untilOutput(id, "got:typed by hand");
    await ok("kill", id);
  });

  test("closing a job's window by hand cancels the job with the reason", async () => {
    const id = await runJob(echoLoop);
    const { windowId } = await untilStatus(id, "running");
    assert.ok(windowId);
    box.sandbox().tmux("kill-window", "-t", windowId);
    const done = await untilStatus(id, "cancelled");
    assert.match(done.error ?? "", /window was closed/);
    const attach = await cli("attach", id);
    assert.equal(attach.code, 1, "attach says the window is gone");
  });

  // On a pty hangup the kernel signals only the session leader (the wrapper): it must pass the
  // hang-up on, or a command that never reads the terminal would outlive its window.
  test("closing the window of a job that never reads the terminal cancels it too", async () => {
    const id = await runJob("sleep 300");
    try {
      const { windowId } = await untilStatus(id, "running");
      assert.ok(windowId);
      box.sandbox().tmux("kill-window", "-t", windowId);
      const done = await untilStatus(id, "cancelled", 5000);
      assert.match(done.error ?? "", /window was closed/);
    } finally {
      await cli("kill", id);
    }
  });
});
