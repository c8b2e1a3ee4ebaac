// The CLI's targets and its newer commands, as a person at a shell uses them (built CLI, private
// tmux server and state dir): names, id prefixes, show, restart, ls's ended/why/size columns.
// wait and logs over several jobs are in cli-wait.test.ts; send's echo, run without -- and kill's
// wording (and `all`) in cli-wording.test.ts (files the test runner can run side by side).
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
