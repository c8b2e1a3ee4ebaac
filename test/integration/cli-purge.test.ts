// `opencode-bg purge` (issue 9, item 5) with the built CLI on private tmux servers: it kills every
// job's whole process tree, then the opencode-bg session (never another session, never the
// server), then the job folders and the state dir; --dry-run changes nothing. Before it existed,
// the README's cleanup (`opencode-bg kill --tag demo`) left the session and every job folder.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, promises as fs, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { collectJobProcesses } from "../../src/core/end/process-tree.js";
import { JOB_MARKER_VARIABLE } from "../../src/core/launch/wrapper.js";
import { createTmuxSandbox, eventually, type TmuxSandbox } from "../helpers/tmux-sandbox.js";
import type { JobView } from "../../src/core/job/job.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CLI = path.join(ROOT, "dist/cli/main.js");

const sandboxes: TmuxSandbox[] = [];

before(() => buildIfStale());

after(async () => {
  for (const sandbox of sandboxes) {
    await sandbox.open().catch(() => undefined);
    await sandbox.cleanup();
  }
});

/** The tests run the BUILT CLI: build it when any source file is newer than dist/cli/main.js. */
function buildIfStale(): void {
  const built = existsSync(CLI) ? statSync(CLI).mtimeMs : 0;
  const sources = execFileSync("find", [path.join(ROOT, "src"), "-type", "f", "-newermt", `@${Math.floor(built / 1000)}`], { encoding: "utf8" });
  if (built > 0 && sources.trim() === "") return;
  execFileSync("npm", ["run", "build"], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] });
}

async function newSandbox(): Promise<TmuxSandbox> {
  const sandbox = await createTmuxSandbox("obg-purge");
  sandboxes.push(sandbox);
  return sandbox;
}

function cli(sandbox: TmuxSandbox, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...sandbox.env, NO_COLOR: "1" };
  delete env.FORCE_COLOR;
  const child = spawn(process.execPath, [CLI, ...args], { cwd: os.tmpdir(), env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (data: string) => (stdout += data));
  child.stderr.setEncoding("utf8").on("data", (data: string) => (stderr += data));
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function runJob(sandbox: TmuxSandbox, command: string, ...options: string[]): Promise<string> {
  const result = await cli(sandbox, "run", ...options, "--", command);
  assert.equal(result.code, 0, result.stderr);
  const id = /^id: ([0-9a-z]{8})$/m.exec(result.stdout)?.[1];
  assert.ok(id, `run printed no id: ${result.stdout}`);
  return id;
}

async function jobs(sandbox: TmuxSandbox): Promise<JobView[]> {
  const result = await cli(sandbox, "ls", "--json");
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as JobView[];
}

function sessions(sandbox: TmuxSandbox): string[] {
  try {
    return sandbox.tmux("list-sessions", "-F", "#{session_name}").split("\n").filter(Boolean);
  } catch {
    return []; // no server
  }
}

function serverRunning(sandbox: TmuxSandbox): boolean {
  try {
    sandbox.tmux("list-sessions");
    return true;
  } catch {
    return false;
  }
}

/** Every live process of a job: its tree by pgid/sid and anything carrying its marker. */
function jobProcesses(id: string): Promise<number[]> {
  return collectJobProcesses({ marker: { name: JOB_MARKER_VARIABLE, value: id } });
}

/** A job whose tree includes a setsid'd grandchild (its own session and group: only the marker finds it). */
const TREE_COMMAND = "setsid sleep 301 & sleep 302 & echo started; wait";

describe("opencode-bg purge", () => {
  test("purge kills every job's tree, the opencode-bg session and the state dir; another session and the server stay", async () => {
    const sandbox = await newSandbox();
    const running = await runJob(sandbox, TREE_COMMAND, "--name", "tree", "--tag", "demo");
    const second = await runJob(sandbox, "sleep 300", "--name", "second");
    const finished = await runJob(sandbox, "echo done", "--name", "short");
    await eventually(async () => (await jobs(sandbox)).find((job) => job.id === finished && job.status === "completed"), 15_000, "the short job to complete");
    await eventually(async () => (await jobProcesses(running)).length >= 3, 10_000, "the tree to start");
    // A user's own session on the same server.
    sandbox.tmux("new-session", "-d", "-s", "mine", "sleep", "1000");

    // What the README's cleanup line did before purge existed: the session and the folders stay.
    assert.equal((await cli(sandbox, "kill", "--tag", "demo")).code, 0);
    assert.ok(sessions(sandbox).includes("opencode-bg"), "kill --tag leaves the session");
    assert.ok(existsSync(path.join(sandbox.stateDir, "jobs", running)), "kill --tag leaves the job folder");
    const restarted = await runJob(sandbox, TREE_COMMAND, "--name", "tree2");
    await eventually(async () => (await jobProcesses(restarted)).length >= 3, 10_000, "the second tree to start");

    const dry = await cli(sandbox, "purge", "--dry-run");
    assert.equal(dry.code, 0, dry.stderr);
    for (const id of [running, second, finished, restarted]) assert.match(dry.stdout, new RegExp(`^  ${id} `, "m"));
    assert.match(dry.stdout, /would kill tmux session "opencode-bg"/);
    assert.match(dry.stdout, /would remove 4 job folders/);
    assert.ok(sessions(sandbox).includes("opencode-bg"), "a dry run kills no session");
    assert.ok((await jobProcesses(restarted)).length >= 3, "a dry run kills no job");
    assert.equal((await jobs(sandbox)).length, 4, "a dry run removes no folder");

    const purge = await cli(sandbox, "purge");
    assert.equal(purge.code, 0, purge.stderr);
    assert.match(purge.stdout, new RegExp(`^${restarted} cancelled`, "m"));
    assert.match(purge.stdout, new RegExp(`^${second} cancelled`, "m"));
    assert.match(purge.stdout, /killed tmux session "opencode-bg"/);
    for (const id of [running, second, finished, restarted]) assert.deepEqual(await jobProcesses(id), [], `job ${id} left processes`);
    assert.deepEqual(sessions(sandbox), ["mine"], "only the user's session is left");
    assert.ok(!existsSync(sandbox.stateDir), "the state dir is gone");

    const again = await cli(sandbox, "purge");
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /no tmux session "opencode-bg"/);
    assert.match(again.stdout, /no state dir at /);
    assert.ok(!existsSync(sandbox.stateDir), "purging again creates nothing");
  });

  test("purge of the server's only session lets that server exit by itself", async () => {
    const sandbox = await newSandbox();
    const id = await runJob(sandbox, "sleep 300");
    assert.deepEqual(sessions(sandbox), ["opencode-bg"]);
    const purge = await cli(sandbox, "purge");
    assert.equal(purge.code, 0, purge.stderr);
    assert.deepEqual(await jobProcesses(id), []);
    await eventually(() => !serverRunning(sandbox), 5000, "the emptied tmux server to exit");
  });

  test("purge keeps a session holding a window opencode-bg did not make, and files it did not make", async () => {
    const sandbox = await newSandbox();
    const id = await runJob(sandbox, "sleep 300");
    sandbox.tmux("new-window", "-d", "-t", "=opencode-bg:", "-n", "my-shell", "sleep", "1000");
    await fs.writeFile(path.join(sandbox.stateDir, "notes.txt"), "mine\n");

    const purge = await cli(sandbox, "purge");
    assert.equal(purge.code, 1, "a kept session is reported with exit code 1");
    assert.match(purge.stderr, /kept tmux session "opencode-bg".*my-shell/);
    assert.deepEqual(await jobProcesses(id), [], "the job is killed all the same");
    assert.ok(sessions(sandbox).includes("opencode-bg"));
    assert.match(sandbox.tmux("list-windows", "-t", "=opencode-bg", "-F", "#{window_name}"), /my-shell/);
    assert.ok(!existsSync(path.join(sandbox.stateDir, "jobs")), "the job folders are removed");
    assert.equal(await fs.readFile(path.join(sandbox.stateDir, "notes.txt"), "utf8"), "mine\n", "a file purge did not make stays");
    assert.match(purge.stdout, /kept .*: it also holds notes\.txt/);
  });
});
