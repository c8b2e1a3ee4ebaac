// The CLI's wait and logs over several jobs, as a person at a shell uses them (built CLI, private
// tmux server and state dir): what wait says and its exit codes, name-prefixed lines, -f over jobs.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { useCliSandbox } from "../helpers/cli-runner.js";

const cliSandbox = useCliSandbox("obg-cliwait", { before, after });
const { cli, ok, runJob, untilStatus } = cliSandbox;

describe("wait", () => {
  test("for a pattern, a timeout and the end: what happened, with exit codes a script can use", async () => {
    const id = await runJob("echo starting; sleep 0.5; echo 'ready on 4000'; sleep 300", "--name", "waiter");
    const matched = await cli("wait", "waiter", "--pattern", "ready on \\d+");
    assert.equal(matched.code, 0, matched.stderr);
    assert.match(matched.stdout, new RegExp(`^${id} waiter: matched line 2 after [\\d.]+s: ready on 4000$`, "m"));
    const timedOut = await cli("wait", "waiter", "--timeout", "1s");
    assert.equal(timedOut.code, 1);
    assert.match(timedOut.stdout, /timed out after 1\.\ds; the job is running/);
    await ok("kill", "waiter");
    const failing = await runJob("sleep 0.3; exit 5", "--name", "wait-fail");
    const ended = await cli("wait", "wait-fail");
    assert.equal(ended.code, 1, "a job that failed does not satisfy `wait && next`");
    assert.match(ended.stdout, new RegExp(`^${failing} wait-fail: failed: exited with code 5 after`, "m"));
    const good = await runJob("sleep 0.3", "--name", "wait-ok");
    assert.equal((await cli("wait", good)).code, 0);
  });

  test("a bad pattern or port is a usage error in the CLI's own words", async () => {
    const id = await runJob("sleep 300", "--name", "wait-bad");
    await untilStatus(id, "running");
    const badPattern = await cli("wait", id, "--pattern", "(unclosed");
    assert.equal(badPattern.code, 2);
    assert.match(badPattern.stderr, /--pattern/);
    assert.doesNotMatch(badPattern.stderr, /until/);
    const badPort = await cli("wait", id, "--port", "70000");
    assert.equal(badPort.code, 2);
    await ok("kill", id);
  });
});

describe("logs over several jobs", () => {
  test("each line after its job's name; -f interleaves and stops when every job has ended", async () => {
    const a = await runJob("echo from-a", "--name", "left");
    const b = await runJob("echo from-b", "--name", "right-side");
    await untilStatus(a, "completed");
    await untilStatus(b, "completed");
    const out = await ok("logs", "left", "right-side");
    assert.deepEqual(out.trim().split("\n"), ["left       | from-a", "right-side | from-b"]);
    const raw = await cli("logs", "left", "right-side", "--raw");
    assert.equal(raw.code, 2);

    const c = await runJob("sleep 1; echo late-c", "--name", "fc");
    const d = await runJob("sleep 1.5; echo late-d; exit 1", "--name", "fd");
    const followed = await cli("logs", "-f", "fc", "fd");
    assert.equal(followed.code, 0, followed.stderr);
    assert.match(followed.stdout, /^fc \| late-c$/m);
    assert.match(followed.stdout, /^fd \| late-d$/m);
    assert.match(followed.stderr, new RegExp(`fc \\| \\[job ${c} completed`));
    assert.match(followed.stderr, new RegExp(`fd \\| \\[job ${d} failed`));
  });
});
