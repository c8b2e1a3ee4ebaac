// Issue 8 item 5: a state dir that cannot take cancel.json / outcome.json (full disk, read-only,
// a path that is not a file) must not stop a kill. The job ends, its status is "cancelled", and
// the result says which record could not be written.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { promises as fs, mkdtempSync, statfsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createTmuxSandbox, eventually, type TmuxSandbox } from "../helpers/tmux-sandbox.js";
import type { JobManager } from "../../src/core/manager.js";
import { JobPaths } from "../../src/core/job/job-files.js";
import { isProcessAlive } from "../../src/core/end/process-tree.js";

let sandbox: TmuxSandbox;
let manager: JobManager;
let mountPoint: string | undefined;
let mountSkip: string | undefined;

before(async () => {
  sandbox = await createTmuxSandbox("obg-fulldisk");
  manager = await sandbox.open();
  // A real full disk: a 4 MiB tmpfs as the state dir (needs CAP_SYS_ADMIN; skipped where not allowed).
  const dir = mkdtempSync(path.join(os.tmpdir(), "obg-fulldisk-mnt-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", dir], { stdio: "pipe" });
    mountPoint = dir;
  } catch (error) {
    mountSkip = `cannot mount a tmpfs here: ${String((error as { stderr?: Buffer }).stderr ?? error).trim()}`;
    await fs.rmdir(dir).catch(() => undefined);
  }
});
after(async () => {
  await sandbox.cleanup();
  if (mountPoint) {
    try {
      execFileSync("umount", [mountPoint], { stdio: "pipe" });
    } catch {
      execFileSync("umount", ["-l", mountPoint], { stdio: "pipe" });
    }
    await fs.rmdir(mountPoint).catch(() => undefined);
  }
});

/** The job's whole tree writes its pids to $PIDS; returns them once two are there. */
async function treePids(file: string): Promise<number[]> {
  return eventually(async () => {
    const found = (await fs.readFile(file, "utf8").catch(() => "")).split("\n").filter(Boolean).map(Number);
    return found.length >= 2 ? found : undefined;
  }, 10_000, "the job's processes to start");
}

describe("full disk or unwritable state dir", () => {
  test("unwritable records: kill still ends the job when cancel.json and outcome.json cannot be written (EISDIR)", { timeout: 60_000 }, async () => {
    const pidsFile = path.join(sandbox.stateDir, "pids-eisdir");
    const job = await manager.create({ command: `sleep 300 & echo $! >> "$PIDS"; echo $$ >> "$PIDS"; wait`, name: "eisdir", scope: "global", env: { PIDS: pidsFile } });
    const pids = await treePids(pidsFile);
    const paths = JobPaths.of(sandbox.stateDir, job.id);
    // As root, chmod does not stop a write: a directory where the file goes makes rename fail.
    await fs.mkdir(paths.cancel);
    await fs.mkdir(paths.outcome);
    const [report] = await manager.kill({ ids: [job.id] });
    assert.ok(report);
    assert.deepEqual([...pids, job.pid ?? 0].filter(isProcessAlive), [], "every process of the job is dead");
    assert.equal(report.status, "cancelled");
    assert.equal(manager.get(job.id).status, "cancelled");
    assert.ok(report.recordErrors?.some((error) => error.includes("cancel.json")), `record errors: ${JSON.stringify(report.recordErrors)}`);
    assert.ok(report.recordErrors?.some((error) => error.includes("outcome.json")), `record errors: ${JSON.stringify(report.recordErrors)}`);
  });

  test("full disk: kill ends the job that filled the disk (tmpfs, ENOSPC)", { timeout: 60_000 }, async (t) => {
    if (!mountPoint) {
      console.log(`# skipped: ${mountSkip}`);
      t.skip(mountSkip);
      return;
    }
    const full = await sandbox.open({ config: { stateDir: mountPoint } });
    const pidsFile = path.join(sandbox.stateDir, "pids-enospc");
    const fill = path.join(mountPoint, "fill");
    const job = await full.create({
      // Fills the disk once the job has started (its started.json written): the subject is the kill, not a create on a full disk.
      command: `until [ -e "$OPENCODE_BG_STATE/jobs/$OPENCODE_BG_JOB/started.json" ]; do sleep 0.05; done; cat /dev/zero > ${JSON.stringify(fill)}; sleep 300 & echo $! >> "$PIDS"; echo $$ >> "$PIDS"; wait`,
      name: "disk-filler",
      scope: "global",
      env: { PIDS: pidsFile },
    });
    const pids = await treePids(pidsFile);
    const stats = statfsSync(mountPoint);
    assert.equal(stats.bavail, 0, "the tmpfs is full");
    const [report] = await full.kill({ ids: [job.id] });
    assert.ok(report);
    assert.deepEqual([...pids, job.pid ?? 0].filter(isProcessAlive), [], "every process of the job is dead");
    assert.equal(report.status, "cancelled");
    assert.equal(full.get(job.id).status, "cancelled");
    assert.ok(report.recordErrors?.length, "the result says the record could not be written");
  });
});
