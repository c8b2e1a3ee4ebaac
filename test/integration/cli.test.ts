// The built CLI (`node dist/cli/main.js`) as a person would run it, on a private tmux server and
// state dir: help, exit codes, run, ls, logs (-n, -f). Typing into a job is in cli-input.test.ts,
// kill, attach and gc in cli-kill.test.ts (files the test runner can run side by side).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { eventually } from "../helpers/tmux-sandbox.js";
import { useCliSandbox } from "../helpers/cli-runner.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const box = useCliSandbox("obg-cli", { before, after });
const { cli, ok, runJob, jobs, view, untilStatus, logLines, untilOutput } = box;
const startCli = box.start;

describe("help, version and usage errors", () => {
  test("--help lists every command and exits 0; each command has its own help", async () => {
    const help = await ok("--help");
    for (const command of ["ls", "logs", "attach", "kill", "send", "run", "gc"]) assert.match(help, new RegExp(`^  ${command} `, "m"));
    assert.match(await ok("ls", "--help"), /^Usage: opencode-bg ls/);
    assert.match(await ok("run", "-h"), /always global/);
    assert.match(await ok("help", "gc"), /--older-than/);
  });

  test("--version prints the package version", async () => {
    const pkg = JSON.parse(await fs.readFile(path.join(ROOT, "package.json"), "utf8")) as { version: string };
    assert.equal((await ok("--version")).trim(), pkg.version);
  });

  test("unknown commands, unknown options and bad values exit 2 with a message on stderr", async () => {
    for (const args of [["frobnicate"], ["ls", "--bogus"], ["ls", "--status", "sleeping"], ["logs"], ["logs", "x", "-n", "many"], ["gc", "--older-than", "soon"], ["run"], []]) {
      const result = await cli(...args);
      assert.equal(result.code, 2, `opencode-bg ${args.join(" ")}: ${result.stderr}`);
      assert.notEqual(result.stderr.trim(), "", `opencode-bg ${args.join(" ")} says why`);
      assert.equal(result.stdout, "");
    }
  });
});

describe("run and ls", () => {
  test("run starts a global job; ls shows it as a table and as JSON", async () => {
    const stdout = await ok("run", "--name", "web server", "--tag", "web", "--tag", "dev", "--global", "--", "echo ready; sleep 300");
    const id = /^id: ([0-9a-z]{8})$/m.exec(stdout)?.[1] ?? "";
    assert.match(stdout, new RegExp(`^attach: tmux -L ${box.sandbox().socket} attach-session -t =opencode-bg:@\\d+$`, "m"));
    await untilOutput(id, "ready");

    const table = (await ok("ls")).split("\n");
    // ENDED, RESTARTS, PORTS and WHY IT ENDED appear once some job has ended, restarted or listens (earlier tests).
    assert.match(table[0] ?? "", /^ID\s+STATUS\s+RUNTIME\s+(ENDED\s+)?(RESTARTS\s+)?LOG\s+NAME\s+TAG\s+SCOPE\s+(PORTS\s+)?CPU\s+MEM\s+(WHY IT ENDED\s+)?LAST OUTPUT$/);
    const row = table.find((line) => line.startsWith(id));
    assert.ok(row, `ls shows ${id}:\n${table.join("\n")}`);
    assert.match(row, new RegExp(`^${id}\\s+running\\s+\\d+[smh]\\S*\\s+(-\\s+)*\\d+B\\s+web server\\s+web\\s+global\\s+(-\\s+)?\\d+(\\.\\d)?%\\s+\\d+(\\.\\d)? MB\\s+(-\\s+)?ready$`));
    assert.doesNotMatch(row, /\u001b\[/, "no colour when piped");

    const job = await view(id);
    assert.equal(job.status, "running");
    assert.equal(job.scope, "global");
    assert.equal(job.name, "web server");
    assert.deepEqual(job.tags, ["web", "dev"]);
    assert.equal(job.projectDir, box.projectDir());
    assert.equal(job.cwd, box.projectDir());
    assert.equal(job.lastLine, "ready");

    assert.ok((await jobs("--tag", "dev")).some((listed) => listed.id === id));
    assert.ok(!(await jobs("--tag", "nope")).some((listed) => listed.id === id));
    assert.ok(!(await jobs("--status", "completed")).some((listed) => listed.id === id));
    assert.ok((await jobs("--project", box.projectDir())).some((listed) => listed.id === id));
    assert.ok((await ok("ls", "-q")).split("\n").includes(id));
  });

  test("several words after -- run as exactly those words", async () => {
    const id = await runJob("unused");
    await ok("kill", id);
    const stdout = await ok("run", "--", "printf", "%s|%s\\n", "two words", "it's");
    const second = /^id: ([0-9a-z]{8})$/m.exec(stdout)?.[1] ?? "";
    await untilStatus(second, "completed");
    assert.deepEqual(await logLines(second), ["two words|it's"]);
  });

  test("a job that cannot start exits 1", async () => {
    const result = await cli("run", "--cwd", path.join(box.projectDir(), "no-such-dir"), "--", "true");
    assert.equal(result.code, 1);
    assert.match(result.stderr, /does not exist/);
  });
});

describe("logs", () => {
  test("prints the whole log as clean text, the last N lines with -n, raw bytes with --raw", async () => {
    const id = await runJob(`for i in 1 2 3 4 5; do echo "line-$i"; done; printf '\\033[31mred\\033[0m\\r\\n'; sleep 300`);
    const all = await untilOutput(id, "red");
    assert.deepEqual(all, ["line-1", "line-2", "line-3", "line-4", "line-5", "red"]);
    assert.deepEqual(await logLines(id, "-n", "2"), ["line-5", "red"]);
    assert.deepEqual(await logLines(id, "-n", "0"), []);
    assert.deepEqual(await logLines(id, "-n", "100"), all);
    const raw = await ok("logs", "--raw", id);
    assert.ok(raw.includes("\u001b[31mred\u001b[0m"), "raw keeps escapes");
    assert.ok(raw.includes("line-1\r\n"), "raw keeps the terminal's CRLF");
    await ok("kill", id);
  });

  test("-n on a finished job leaves out the wrapper's end marker", async () => {
    const id = await runJob("echo a; echo b; echo c");
    await untilStatus(id, "completed");
    assert.deepEqual(await logLines(id, "-n", "2"), ["b", "c"]);
    assert.deepEqual(await logLines(id, "-n", "1", "-f"), ["c"], "-f on a finished job prints and exits");
  });

  test("-f follows new lines and exits 0 when the job ends", async () => {
    const gate = path.join(box.projectDir(), `gate-${Date.now()}`);
    const id = await runJob(`echo first; while [ ! -e '${gate}' ]; do sleep 0.05; done; echo second; echo third`);
    const follower = startCli(["logs", "-f", id]);
    await eventually(() => follower.stdout.includes("first\n"), 10_000, "the first line through logs -f");
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(follower.child.exitCode, null, "still following while the job runs");
    assert.ok(!follower.stdout.includes("second"));
    await fs.writeFile(gate, "");
    const result = await follower.done;
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(result.stdout.split("\n"), ["first", "second", "third", ""]);
    assert.match(result.stderr, /completed/);
  });

  test("-f stops on Ctrl-C (SIGINT) with exit 130 and leaves the job running", async () => {
    const id = await runJob("echo waiting; sleep 300");
    const follower = startCli(["logs", "-f", id]);
    await eventually(() => follower.stdout.includes("waiting\n"), 10_000, "logs -f to print");
    follower.child.kill("SIGINT");
    const result = await follower.done;
    assert.equal(result.code, 130, result.stderr);
    assert.equal((await view(id)).status, "running");
    await ok("kill", id);
  });

  test("an unknown id exits 1", async () => {
    const result = await cli("logs", "zzzzzzzz");
    assert.equal(result.code, 1);
    assert.match(result.stderr, /no job has the id or name "zzzzzzzz"/);
  });
});
