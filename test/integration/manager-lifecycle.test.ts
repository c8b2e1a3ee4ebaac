// Create, capture, exit status, notify: the job manager on a real tmux server (private socket).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import { createTmuxSandbox, eventually, type TmuxSandbox } from "../helpers/tmux-sandbox.js";
import type { JobManager } from "../../src/core/manager.js";

let sandbox: TmuxSandbox;
let manager: JobManager;

before(async () => {
  sandbox = await createTmuxSandbox();
  manager = await sandbox.open();
});
after(async () => {
  await sandbox.cleanup();
});

async function runToEnd(command: string, extra: Record<string, unknown> = {}) {
  const job = await manager.create({ command, ...extra });
  const done = await manager.waitForStatus(job.id, ["completed", "failed", "cancelled"], 20_000);
  const output = await manager.output(job.id, { lines: 10_000 });
  return { job, done, text: output.lines.map((line) => line.text) };
}

describe("capture", () => {
  test("the first line of `echo x; exit` is captured", async () => {
    for (let i = 0; i < 5; i++) {
      const { done, text } = await runToEnd(`echo first-line-${i}; exit`);
      assert.equal(done.status, "completed");
      assert.deepEqual(text, [`first-line-${i}`]);
    }
  });

  test("a 400 KB burst followed by an immediate exit is captured whole", async () => {
    // 4000 numbered lines of 100 bytes: any lost tail shows up as a missing number.
    const { done, text } = await runToEnd(`for i in $(seq 1 4000); do printf '%05d%095d\\n' $i 0; done; exit 0`, { name: "burst" });
    assert.equal(done.status, "completed");
    assert.equal(text.length, 2000, "the ring keeps its 2000-line bound");
    assert.equal(text.at(-1)?.slice(0, 5), "04000");
    const log = await fs.readFile(done.logPath, "utf8");
    const numbers = [...log.matchAll(/^(\d{5})0{95}\r?$/gm)].map((match) => Number(match[1]));
    assert.equal(numbers.length, 4000, "every line reached the log file");
    assert.equal(numbers.at(-1), 4000);
  });

  test("\\r redraws, colours and partial lines come out as clean text", async () => {
    const { text } = await runToEnd(`printf '10%%\\r50%%\\r100%%\\n'; printf '\\033[31mred\\033[0m plain\\n'; printf 'no newline at end'`);
    assert.deepEqual(text, ["100%", "red plain", "no newline at end"]);
  });
});

describe("hostile input runs exactly as bash -c would", () => {
  test("quotes, $VAR, pipes, &&, unicode and tmux format characters", async () => {
    const command = `X='a "b" $c'; echo "$X" | tr a A && echo 'single #{pane_id} %H ;' ; echo "日本語 ✓"; echo "$OBG_TEST_VALUE"`;
    const { done, text } = await runToEnd(command, { name: `it's "#{pane_id}" ; %s`, env: { OBG_TEST_VALUE: "from env $HOME `x`" } });
    assert.equal(done.status, "completed");
    assert.deepEqual(text, ['A "b" $c', "single #{pane_id} %H ;", "日本語 ✓", "from env $HOME `x`"]);
    assert.equal(done.name, `it's "#{pane_id}" ; %s`);
    assert.match(done.windowName, /^it-s-pane-id-s-[0-9a-z]{8}$/);
  });

  test("a 50 KB command runs", async () => {
    const filler = "x".repeat(50_000);
    const { done, text } = await runToEnd(`: '${filler}'; echo "len ok"`);
    assert.equal(done.status, "completed");
    assert.deepEqual(text, ["len ok"]);
  });

  test("cwd and environment are the caller's, not the tmux server's", async () => {
    const dir = await fs.mkdtemp(`${sandbox.stateDir}/cwd with space-`);
    const { text } = await runToEnd(`pwd; echo "tmux=\${TMUX:-unset}"; echo "$OBG_ONLY_HERE"`, { cwd: dir, baseEnv: { ...sandbox.env, OBG_ONLY_HERE: "caller-env" } });
    assert.deepEqual(text, [dir, "tmux=unset", "caller-env"]);
  });

  test("bad input is refused with a clear error and creates nothing", async () => {
    const before = manager.list().length;
    await assert.rejects(manager.create({ command: "   " }), /command is empty/);
    await assert.rejects(manager.create({ command: "x".repeat(70 * 1024) }), /limit is 65536/);
    await assert.rejects(manager.create({ command: "true", name: "two\nlines" }), /newline/);
    await assert.rejects(manager.create({ command: "true", tags: ["has space"] }), /tag "has space" is not valid/);
    await assert.rejects(manager.create({ command: "true", cwd: "/does/not/exist" }), /does not exist/);
    await assert.rejects(manager.create({ command: "true", env: { "BAD-NAME": "x" } }), /not valid/);
    assert.equal(manager.list().length, before);
  });
});

describe("status", () => {
  test("exit codes and signals", async () => {
    const ok = await runToEnd("exit 0");
    assert.equal(ok.done.status, "completed");
    assert.equal(ok.done.exitCode, 0);
    assert.ok(ok.done.startedAt && ok.done.endedAt && ok.done.endedAt >= ok.done.startedAt);

    const failed = await runToEnd("exit 7");
    assert.equal(failed.done.status, "failed");
    assert.equal(failed.done.exitCode, 7);
    assert.match(failed.done.error ?? "", /exited with code 7/);

    const signalled = await runToEnd("kill -SEGV $$");
    assert.equal(signalled.done.status, "failed");
    assert.equal(signalled.done.signal, "SIGSEGV");
    assert.match(signalled.done.error ?? "", /SIGSEGV/);
  });

  test("pending -> running -> completed are all reported", async () => {
    const seen: string[] = [];
    const stop = manager.on("status", (job) => seen.push(`${job.name}:${job.status}`));
    const { done } = await runToEnd("sleep 0.2", { name: "phases" });
    stop();
    assert.equal(done.status, "completed");
    assert.deepEqual(seen, ["phases:pending", "phases:running", "phases:completed"]);
  });

  test("a wrapper killed with SIGKILL is noticed without an exit file", async () => {
    const job = await manager.create({ command: "sleep 60", name: "wrapper-killed" });
    assert.ok(job.pid);
    process.kill(job.pid, "SIGKILL");
    const done = await manager.waitForStatus(job.id, ["failed"], 10_000);
    assert.match(done.error ?? "", /without reporting|SIGKILL/);
  });
});

describe("notify", () => {
  test("markers from stdout and stderr notify; a leading space, another prefix or an empty rest do not", async () => {
    const messages: string[] = [];
    const stop = manager.on("notify", (job, message) => messages.push(`${job.name}|${message}`));
    const { done } = await runToEnd(
      [
        "echo 'OPENCODE_NOTIFY: from stdout  '",
        "echo 'OPENCODE_NOTIFY:from stderr' >&2",
        "echo ' OPENCODE_NOTIFY: leading space'",
        "echo 'OPENCODE_NOTIFY:   '",
        "echo 'say OPENCODE_NOTIFY: inside'",
        "echo 'opencode_notify: lower case'",
      ].join("; "),
      { name: "notifier" },
    );
    await eventually(() => messages.length >= 2, 2000, "two notifications");
    await new Promise((resolve) => setTimeout(resolve, 200));
    stop();
    assert.equal(done.status, "completed");
    assert.deepEqual(messages, ["notifier|from stdout", "notifier|from stderr"]);
    const lines = (await manager.output(done.id)).lines.map((line) => line.text);
    assert.ok(lines.includes("OPENCODE_NOTIFY: from stdout  "), "the marker line stays in the output");
  });
});
