// The CLI's targets and its newer commands, as a person at a shell uses them (built CLI, private
// tmux server and state dir): names, id prefixes and `all`; show, restart, wait, logs over
// several jobs, ls's ended/why/size columns, send's echo, run without --, kill's wording.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { eventually } from "../helpers/tmux-sandbox.js";
import { useCliSandbox } from "../helpers/cli-runner.js";

const cliSandbox = useCliSandbox("obg-clicmd", { before, after });
const { cli, ok, runJob, view, untilStatus } = cliSandbox;

describe("targets", () => {
  test("a name, a unique id prefix and an id all name the same job", async () => {
    const id = await runJob("echo named-out", "--name", "solo-name");
    await untilStatus(id, "completed");
    for (const target of ["solo-name", id.slice(0, 6), id]) {
      assert.match(await ok("logs", target), /^named-out$/m, target);
    }
  });

  test("an ambiguous name is an error listing the candidates, and does nothing", async () => {
    const a = await runJob("echo one", "--name", "twin");
    const b = await runJob("echo two", "--name", "twin");
    await untilStatus(a, "completed");
    await untilStatus(b, "completed");
    const result = await cli("show", "twin");
    assert.equal(result.code, 1);
    assert.match(result.stderr, /"twin" fits 2 jobs \(by name\)/);
    assert.match(result.stderr, new RegExp(`${a}  completed  twin`));
    assert.match(result.stderr, new RegExp(`${b}  completed  twin`));
    const unknown = await cli("kill", "no-such-job");
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no job has the id or name "no-such-job"/);
  });
});

describe("show", () => {
  test("everything about one job, including why it ended and its last lines", async () => {
    const id = await runJob("echo shown-line; exit 4", "--name", "to-show", "--tag", "t1");
    await untilStatus(id, "failed");
    const out = await ok("show", "to-show");
    assert.match(out, new RegExp(`^id: +${id}$`, "m"));
    assert.match(out, /^status: +failed$/m);
    assert.match(out, /^why it ended: exited with code 4$/m);
    assert.match(out, /^exit code: +4$/m);
    assert.match(out, /^tags: +t1$/m);
    assert.match(out, /^ended: +\S+ \(\d+s ago\)$/m);
    assert.match(out, /^log file: +.*output\.log \(\d+ B\)$/m);
    assert.match(out, /^last output:\n  shown-line$/m);
  });
});

describe("restart", () => {
  test("runs a finished job again in the same window and says what it did", async () => {
    const id = await runJob("echo ran; exit 0", "--name", "again");
    const first = await untilStatus(id, "completed");
    const out = await ok("restart", "again");
    assert.equal(out, `${id} again restarted (restart 1, was completed)\n`);
    const second = await eventually(async () => {
      const job = await view(id);
      return job.restarts === 1 && job.status === "completed" ? job : undefined;
    }, 15_000, "the restarted run to complete");
    assert.equal(second.windowId, first.windowId);
    assert.equal((await ok("logs", id)).match(/^ran$/gm)?.length, 2);
  });
});

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

describe("ls", () => {
  test("ended age, why it ended and log size; --running hides ended jobs", async () => {
    const ended = await runJob("echo bye; exit 3", "--name", "ls-ended");
    const running = await runJob("sleep 300", "--name", "ls-running");
    await untilStatus(ended, "failed");
    await untilStatus(running, "running");
    const table = await ok("ls");
    const header = table.split("\n")[0] ?? "";
    for (const column of ["ENDED", "LOG", "WHY IT ENDED"]) assert.ok(header.includes(column), header);
    const row = table.split("\n").find((line) => line.startsWith(ended)) ?? "";
    assert.match(row, /failed\(3\)\s+0s\s+\d+s ago\s.*\s\d+B\s+ls-ended\s.*exited with code 3\s+bye$/);
    const onlyRunning = await ok("ls", "--running");
    assert.ok(onlyRunning.includes(running));
    assert.ok(!onlyRunning.includes(ended));
    assert.ok(!onlyRunning.split("\n")[0]?.includes("ENDED"), "no job ended: no ENDED column");
    await ok("kill", running);
  });
});

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
