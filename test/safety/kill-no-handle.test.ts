// Issue 8 item 6: no process without a handle. Every process carrying a job's markers stays
// findable (list shows it) and killable (kill ends it), whatever happened to its folder or window.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { promises as fs } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { createTmuxSandbox, eventually, type TmuxSandbox } from "../helpers/tmux-sandbox.js";
import type { JobManager } from "../../src/core/manager.js";
import { JobPaths } from "../../src/core/job/job-files.js";
import { isProcessAlive } from "../../src/core/end/process-tree.js";
import { listBackgroundProcessesTool } from "../../src/plugin/tools/list.js";
import { killProcessesTool } from "../../src/plugin/tools/kill.js";

let sandbox: TmuxSandbox;
let other: TmuxSandbox;
let manager: JobManager;
const started = new Set<number>();

before(async () => {
  sandbox = await createTmuxSandbox("obg-nohandle");
  other = await createTmuxSandbox("obg-nohandle-other");
  manager = await sandbox.open();
});
after(async () => {
  for (const pid of started) if (isProcessAlive(pid)) process.kill(pid, "SIGKILL");
  await sandbox.cleanup();
  await other.cleanup();
});

async function startJob(m: JobManager, name: string, command: string) {
  const pidsFile = path.join(path.dirname(sandbox.stateDir), `${path.basename(sandbox.stateDir)}-pids-${name}`);
  const job = await m.create({ command, name, scope: "global", env: { PIDS: pidsFile } });
  const pids = await eventually(async () => {
    const found = (await fs.readFile(pidsFile, "utf8").catch(() => "")).split("\n").filter(Boolean).map(Number);
    return found.length >= 2 ? found : undefined;
  }, 10_000, `the processes of ${name}`);
  pids.forEach((pid) => started.add(pid));
  await fs.rm(pidsFile, { force: true });
  return { job, pids };
}

/** The CLI from source (no build needed), on this sandbox's tmux server and state dir. */
function cli(...args: string[]): string {
  const main = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
  return execFileSync(process.execPath, ["--import", "tsx", main, ...args], { env: { ...sandbox.env, NO_COLOR: "1", COLUMNS: "200" }, encoding: "utf8", timeout: 30_000 });
}

const TWO_SLEEPS = `sleep 300 & echo $! >> "$PIDS"; echo $$ >> "$PIDS"; wait`;

describe("no process without a handle", () => {
  test("folder deleted: a running job whose folder is deleted stays listed and kill ends it", { timeout: 60_000 }, async () => {
    const { job, pids } = await startJob(manager, "folder-gone", TWO_SLEEPS);
    await fs.rm(JobPaths.of(sandbox.stateDir, job.id).dir, { recursive: true, force: true });
    await new Promise((resolve) => setTimeout(resolve, 500)); // the watcher reports the removal
    const listed = manager.list().find((view) => view.id === job.id);
    assert.ok(listed, "still listed");
    assert.equal(listed.status, "running");
    assert.equal(listed.detached, "folder-deleted");
    const [report] = await manager.kill({ ids: [job.id] });
    assert.equal(report?.status, "cancelled");
    assert.deepEqual([...pids, job.pid ?? 0].filter(isProcessAlive), [], "every process of the job is dead");
  });

  test("stray: a new manager lists the marker processes of a deleted job folder, and kill ends them; another state dir does not adopt them", { timeout: 60_000 }, async () => {
    const { job, pids } = await startJob(manager, "stray", TWO_SLEEPS);
    await fs.rm(JobPaths.of(sandbox.stateDir, job.id).dir, { recursive: true, force: true });
    const elsewhere = await other.open();
    assert.equal(elsewhere.list().find((view) => view.id === job.id), undefined, "another state dir's manager does not adopt it");
    const fresh = await sandbox.open();
    const stray = fresh.list().find((view) => view.id === job.id);
    assert.ok(stray, "the new manager lists it");
    assert.equal(stray.status, "running");
    assert.equal(stray.detached, "stray");
    assert.ok((stray.processesLeft ?? 0) >= 1);
    // The plugin's tools, as a model in any project calls them: list shows it, kill by id ends it.
    const deps = { manager: async () => fresh };
    const ctx = { directory: "/some/project", sessionID: "ses_x" } as never;
    const listed = await listBackgroundProcessesTool(deps).execute({} as never, ctx);
    const listText = typeof listed === "string" ? listed : listed.output;
    assert.match(listText, new RegExp(`${job.id} running \\(stray: its folder is gone`), listText);
    const killed = await killProcessesTool(deps).execute({ processId: job.id } as never, ctx);
    const killText = typeof killed === "string" ? killed : killed.output;
    assert.match(killText, new RegExp(`${job.id} "stray: .*" cancelled \\([1-9]`), killText);
    assert.deepEqual(pids.filter(isProcessAlive), [], "every marker process is dead");
    // The wrapper (the pane's process) exports the markers itself, so /proc shows them only in its
    // children; it ends on its own once its command is gone.
    await eventually(() => !isProcessAlive(job.pid ?? 0), 5000, "the wrapper to end with its command");
  });

  test("stray in the CLI: opencode-bg ls shows marker processes whose folder is gone, opencode-bg kill ends them", { timeout: 90_000 }, async () => {
    const { job, pids } = await startJob(manager, "cli-stray", TWO_SLEEPS);
    await fs.rm(JobPaths.of(sandbox.stateDir, job.id).dir, { recursive: true, force: true });
    const listed = cli("ls");
    const line = listed.split("\n").find((row) => row.startsWith(job.id));
    assert.ok(line, `ls lists the stray job:\n${listed}`);
    assert.match(line, /running \(stray: its folder is gone, 1 process(es)?; kill ends them\)|stray/);
    const killed = cli("kill", job.id);
    assert.match(killed, new RegExp(`${job.id} cancelled`));
    assert.deepEqual(pids.filter(isProcessAlive), [], "every marker process is dead");
  });

  test("server gone: processes ignoring SIGHUP are listed as still running after the job ended, and kill ends them", { timeout: 60_000 }, async () => {
    const { job, pids } = await startJob(manager, "hup-proof", `nohup sleep 300 >/dev/null 2>&1 & echo $! >> "$PIDS"; (trap "" HUP; exec sleep 301) & echo $! >> "$PIDS"; wait`);
    sandbox.tmux("kill-server");
    const ended = await manager.waitForStatus(job.id, ["failed", "cancelled", "completed"], 15_000);
    assert.notEqual(ended.status, "running");
    assert.ok(pids.every(isProcessAlive), "the HUP-proof processes outlived the server");
    const view = await eventually(() => {
      const current = manager.get(job.id);
      return (current.processesLeft ?? 0) >= 2 ? current : undefined;
    }, 15_000, "list to show the processes still running"); // 5 s ran out once under npm test on a loaded machine
    assert.equal(view.processesLeft, 2);
    // A manager opened later (e.g. the CLI) sees them too.
    const fresh = await sandbox.open();
    assert.equal(fresh.get(job.id).processesLeft, 2);
    const [report] = await fresh.kill({ ids: [job.id] });
    assert.ok((report?.signalled ?? 0) >= 2);
    assert.deepEqual(pids.filter(isProcessAlive), [], "every leftover is dead");
    assert.equal(fresh.get(job.id).processesLeft, 0);
  });

  test("server gone, two live managers: the one that adopts the other's verdict lists the leftovers too", { timeout: 60_000 }, async () => {
    // Whichever manager finalises first writes outcome.json; the other adopts it. Both must show
    // the HUP-proof processes. An observer (the TUI sidebar's manager) does not wait for the end
    // marker, so it usually decides first and the plugin's manager, whose list the agent reads, adopts.
    const first = await sandbox.open();
    const second = await sandbox.open({ observeOnly: true });
    const { job, pids } = await startJob(first, "hup-proof-two", `(trap "" HUP; exec sleep 302) & echo $! >> "$PIDS"; echo $$ >> "$PIDS"; wait`);
    await second.waitForStatus(job.id, ["running"], 10_000);
    sandbox.tmux("kill-server");
    await Promise.all([first, second].map((m) => m.waitForStatus(job.id, ["failed", "cancelled", "completed"], 15_000)));
    const alive = pids.filter(isProcessAlive);
    assert.ok(alive.length >= 1, "the HUP-proof process outlived the server");
    for (const [label, m] of [["first", first], ["second", second]] as const) {
      await eventually(() => ((m.get(job.id).processesLeft ?? 0) >= 1 ? true : undefined), 15_000, `the ${label} manager to list the leftover`);
    }
    alive.forEach((pid) => process.kill(pid, "SIGKILL"));
  });
});
