// Issue 8 item 11: after an OpenCode was SIGKILLed, the next one's very first read must not show
// a session job as running when its exit.json (ownerGone) is already on disk.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { promises as fs } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { createTmuxSandbox, eventually, type TmuxSandbox } from "../helpers/tmux-sandbox.js";
import { buildIfStale } from "../helpers/cli-runner.js";
import { jobsDir } from "../../src/core/job/job-files.js";

let sandbox: TmuxSandbox;

before(async () => {
  // The owner fixture runs the built core (dist/) with plain node.
  buildIfStale();
  sandbox = await createTmuxSandbox("obg-state-rec");
});
after(async () => {
  await sandbox.cleanup();
});

const fixture = fileURLToPath(new URL("../fixtures/owner-process.js", import.meta.url));

/** Starts an owner with `count` session jobs, SIGKILLs it, waits until every job wrote exit.json. */
async function orphanedJobs(count: number): Promise<string[]> {
  const specs = Array.from({ length: count }, (_, n) => ({ command: "sleep 300", name: `orphan-${n}`, scope: "session", sessionId: "ses_dead" }));
  const child = spawn(process.execPath, [fixture, JSON.stringify(specs)], { env: sandbox.env, stdio: ["ignore", "pipe", "inherit"] });
  try {
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once("line", resolve);
      child.once("exit", (code) => reject(new Error(`owner fixture exited early (${code})`)));
    });
    const { ids } = JSON.parse(line) as { ids: string[] };
    child.kill("SIGKILL");
    // Up to ~12 s by design when the owner died before the job's whole environment reached it:
    // the wrapper's read gives up after 10 s, then its owner guard polls every 2 s. 15 s ran out
    // once in a full, loaded `npm test`; the budget is for a slow machine, not the design.
    for (const id of ids) {
      const exitFile = path.join(jobsDir(sandbox.stateDir), id, "exit.json");
      await eventually(() => fs.access(exitFile).then(() => true), 30_000, `exit.json of ${id}`);
    }
    // And their windows are dead (the wrapper and its guard exited): recovery's finalising path.
    await eventually(() => {
      const rows = sandbox.tmux("list-panes", "-s", "-t", "=opencode-bg", "-F", "#{@obg_id} #{pane_dead}").split("\n");
      return ids.every((id) => rows.includes(`${id} 1`));
    }, 15_000, "the job windows to be dead");
    return ids;
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
  }
}

describe("recovery says the truth at once", () => {
  test("owner SIGKILLed: the next manager's very first list and get never show a job with exit.json on disk as running", { timeout: 120_000 }, async () => {
    let stale = 0;
    let samples = 0;
    const seen: string[] = [];
    // Few jobs per trial: with many, recovery's own awaits hid the race.
    for (let trial = 0; trial < 10; trial++) {
      const ids = await orphanedJobs(trial % 2 === 0 ? 1 : 3);
      const manager = await sandbox.open();
      // The very first reads, synchronously after open resolved.
      const listed = new Map(manager.list().map((view) => [view.id, view.status]));
      const got = ids.map((id) => manager.get(id).status);
      for (const [index, id] of ids.entries()) {
        samples++;
        // Stale = still active although its end is on disk. The end itself is usually "cancelled"
        // (the guard reaped it); an owner SIGKILLed before the job had read its environment from
        // the FIFO leaves it "failed" instead: a true final state, not a stale one.
        const active = (status: string | undefined) => status === "running" || status === "pending" || status === undefined;
        if (active(listed.get(id)) || active(got[index])) {
          stale++;
          seen.push(`${listed.get(id)}/${got[index]}: ${manager.get(id).error ?? ""}`);
        }
      }
      await manager.close();
      // Settle the outcome files before the next trial (a second manager finishes what is left).
      const settle = await sandbox.open();
      await settle.settle();
      await settle.close();
    }
    assert.equal(stale, 0, `${stale}/${samples} first reads showed a stale state (list/get: ${seen.join("; ")})`);
  });

  test("exit.json just written: a read after refresh() (what every tool call does) never shows running", { timeout: 120_000 }, async () => {
    const manager = await sandbox.open();
    let stale = 0;
    const trials = 20;
    for (let trial = 0; trial < trials; trial++) {
      const job = await manager.create({ command: "sleep 0.2; exit 3", name: `quick-${trial}` });
      const exitFile = path.join(jobsDir(sandbox.stateDir), job.id, "exit.json");
      await eventually(() => fs.access(exitFile).then(() => true), 10_000, "exit.json");
      await manager.refresh();
      if (manager.get(job.id).status !== "failed") stale++;
      await manager.waitForStatus(job.id);
    }
    assert.equal(stale, 0, `${stale}/${trials} reads right after exit.json appeared showed a stale state`);
  });
});
