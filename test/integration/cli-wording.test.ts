// The CLI's wording, as a person at a shell reads it (built CLI, private tmux server and state
// dir): send prints what it typed, run without --, kill of an ended job and of a stubborn one, kill all.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { eventually } from "../helpers/tmux-sandbox.js";
import { useCliSandbox } from "../helpers/cli-runner.js";

const cliSandbox = useCliSandbox("obg-cliword", { before, after });
const { cli, ok, runJob, view, untilStatus } = cliSandbox;

describe("send, run and kill wording", () => {
  test("send prints what it typed; a bad key is explained with --key, not the tool's fields", async () => {
    const id = await runJob("read line; echo got:$line; sleep 300", "--name", "typist");
    await untilStatus(id, "running");
    assert.equal(await ok("send", "typist", "hello", "there"), `sent "hello there" + Enter to ${id} (typist)\n`);
    await eventually(async () => ((await ok("logs", id)).includes("got:hello there") ? true : undefined), 10_000, "the typed line");
    const bad = await cli("send", "typist", "--key", "not-a-key");
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--key "not-a-key" is not a key name/);
    assert.doesNotMatch(bad.stderr, /put text in text/);
    assert.equal(await ok("send", "typist", "--key", "C-c"), `sent C-c to ${id} (typist)\n`);
    await untilStatus(id, "cancelled");
    const late = await cli("send", id, "more");
    assert.equal(late.code, 1);
    assert.match(late.stderr, /only a running job takes input \(start it again with: opencode-bg restart/);
  });

  test("run ls -la: options after the command belong to the command", async () => {
    const out = await ok("run", "--name", "opts", "printf", "%s|%s\\n", "-a", "--b");
    const id = /^id: (\S+)$/m.exec(out)?.[1] ?? "";
    await untilStatus(id, "completed");
    assert.match(await ok("logs", id), /^-a\|--b$/m);
    assert.equal((await view(id)).name, "opts");
  });

  test("kill of an ended job reads well; a kill that waits out the grace period says so", async () => {
    const ended = await runJob("exit 2", "--name", "gone-before");
    await untilStatus(ended, "failed");
    assert.equal(await ok("kill", "gone-before"), `${ended} gone-before had already failed (exit 2); closed its window\n`);
    const stubborn = await runJob("trap '' TERM; while :; do sleep 0.2; done", "--name", "stubborn");
    await untilStatus(stubborn, "running");
    const result = await cli("kill", "stubborn");
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /waiting for the job to exit after SIGTERM \(SIGKILL after 3s\)/);
    assert.match(result.stdout, new RegExp(`^${stubborn} cancelled\\s+stubborn \\(\\d+ process(es)? signalled, \\d+ needed SIGKILL\\)$`, "m"));
  });

  test("kill all ends every running job and nothing else", async () => {
    const done = await runJob("true", "--name", "all-done");
    await untilStatus(done, "completed");
    const x = await runJob("sleep 300", "--name", "all-x");
    const y = await runJob("sleep 300", "--name", "all-y");
    await untilStatus(x, "running");
    await untilStatus(y, "running");
    const out = await ok("kill", "all");
    assert.ok(out.includes(x) && out.includes(y), out);
    assert.ok(!out.includes(done), "an ended job is not part of kill all");
    assert.equal((await view(x)).status, "cancelled");
  });
});
