// Issue 8 item 7: one socket per job. A reader configured with ANOTHER tmux socket (no server
// there) must neither finalise a live job nor lose it: it reaches the job through the job's own
// server, recorded in started.json.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promises as fs } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createTmuxSandbox, eventually, type TmuxSandbox } from "../helpers/tmux-sandbox.js";
import { JobManager } from "../../src/core/manager.js";
import { isProcessAlive } from "../../src/core/end/process-tree.js";
import type { JobView } from "../../src/core/job/job.js";

const run = promisify(execFile);
const MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));

let sandbox: TmuxSandbox;
/** A socket name nobody starts a server on (unless a bug does: cleanup kills it). */
let otherSocket: string;

before(async () => {
  sandbox = await createTmuxSandbox("obg-state-sock");
  otherSocket = `${sandbox.socket}-other`;
});
after(async () => {
  await run("tmux", ["-L", otherSocket, "kill-server"]).catch(() => undefined);
  await sandbox.cleanup();
});

function otherEnv(): NodeJS.ProcessEnv {
  return { ...sandbox.env, OPENCODE_BG_TMUX_SOCKET: otherSocket, NO_COLOR: "1" };
}

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", MAIN, ...args], { env: otherEnv(), timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failure.code ?? 1, stdout: failure.stdout ?? "", stderr: failure.stderr ?? "" };
  }
}

function outcomeFile(id: string): string {
  return path.join(sandbox.stateDir, "jobs", id, "outcome.json");
}

function windowIds(): string[] {
  return sandbox.tmux("list-windows", "-t", "=opencode-bg", "-F", "#{@obg_id}").split("\n").filter(Boolean);
}

describe("one socket per job", () => {
  test("a manager configured with another socket (no server there) keeps the live job running and reaches it through its own socket", async () => {
    const owner = await sandbox.open();
    const job = await owner.create({ command: "echo ready; sleep 300", name: "live-elsewhere" });
    await eventually(async () => (await owner.output(job.id)).lines.some((line) => line.text === "ready"), 5000, "first output");

    const other = await JobManager.open({ env: otherEnv(), config: { ...sandbox.config, tmuxSocket: otherSocket } });
    try {
      await other.refresh();
      assert.equal(other.get(job.id).status, "running", "the job is alive on its own server");
      // Liveness checks and file events had their chance too.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      assert.equal(other.get(job.id).status, "running");
      await assert.rejects(fs.access(outcomeFile(job.id)), "no outcome.json was written for a live job");
      assert.deepEqual((await other.output(job.id)).lines.map((line) => line.text), ["ready"]);
      const attach = other.attachCommand(job.id);
      const socketPath = sandbox.tmux("display-message", "-p", "#{socket_path}").trim();
      assert.deepEqual(attach.slice(0, 3), ["tmux", "-S", socketPath], `attach names the job's own socket: ${attach.join(" ")}`);
      await other.send(job.id, { text: "typed", enter: true });
      await eventually(async () => (await other.output(job.id)).lines.some((line) => line.text === "typed"), 5000, "typed text echoed");

      const [report] = await other.kill({ ids: [job.id] });
      assert.equal(report?.status, "cancelled");
      assert.ok(!windowIds().includes(job.id), "the job's window on its own server is closed");
      assert.ok(job.pid && !isProcessAlive(job.pid));
    } finally {
      await other.close();
    }
  });

  test("the CLI with another socket: ls shows the job running, logs reads it, kill reaches it; nothing is finalised by mistake", { timeout: 120_000 }, async () => {
    const owner = await sandbox.open();
    const job = await owner.create({ command: "echo cli-ready; sleep 300", name: "cli-elsewhere" });
    await eventually(async () => (await owner.output(job.id)).lines.some((line) => line.text === "cli-ready"), 5000, "first output");

    const ls = await cli("ls", "--json");
    assert.equal(ls.code, 0, ls.stderr);
    const listed = (JSON.parse(ls.stdout) as JobView[]).find((view) => view.id === job.id);
    assert.equal(listed?.status, "running");
    await assert.rejects(fs.access(outcomeFile(job.id)), "ls wrote no outcome.json");
    assert.equal(owner.get(job.id).status, "running");

    const logs = await cli("logs", job.id);
    assert.equal(logs.code, 0, logs.stderr);
    assert.match(logs.stdout, /cli-ready/);

    const kill = await cli("kill", job.id);
    assert.equal(kill.code, 0, kill.stderr);
    assert.equal((await owner.waitForStatus(job.id, ["cancelled"], 10_000)).status, "cancelled");
    await eventually(() => !windowIds().includes(job.id), 5000, "the job's window to close");
  });

  test("a job made before socket paths were recorded is not finalised by a manager on another socket", async () => {
    const owner = await sandbox.open();
    const job = await owner.create({ command: "sleep 300", name: "legacy" });
    const startedFile = path.join(sandbox.stateDir, "jobs", job.id, "started.json");
    const { socketPath: _socket, serverStartTime: _start, session: _session, ...legacy } = JSON.parse(await fs.readFile(startedFile, "utf8")) as Record<string, unknown>;
    await fs.writeFile(startedFile, JSON.stringify(legacy));
    const other = await JobManager.open({ env: otherEnv(), config: { ...sandbox.config, tmuxSocket: otherSocket } });
    try {
      await other.refresh();
      await new Promise((resolve) => setTimeout(resolve, 1500));
      assert.equal(other.get(job.id).status, "running");
      await assert.rejects(fs.access(outcomeFile(job.id)), "no outcome.json for a live legacy job");
    } finally {
      await other.close();
    }
    await owner.kill({ ids: [job.id] });
  });
});
