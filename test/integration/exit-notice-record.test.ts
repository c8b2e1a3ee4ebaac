// The exit notice's record in the job's files: whoever decides the end writes that the session
// is owed a notice (only for notifyOnExit jobs that ended by themselves), and its handling is
// recorded once per run, by exactly one instance.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { createTmuxSandbox, type TmuxSandbox } from "../helpers/tmux-sandbox.js";

let sandbox: TmuxSandbox;

before(async () => {
  sandbox = await createTmuxSandbox("obg-exitrec");
});
after(async () => {
  await sandbox.cleanup();
});

test("a notifyOnExit job that ended by itself owes one notice, recorded as handled by exactly one instance; a killed one and an opted-out one owe none", async () => {
  const owner = await sandbox.open();
  const reader = await sandbox.open({ observeOnly: true });
  const failing = await owner.create({ command: "exit 3", name: "fails", sessionId: "ses_a", notifyOnExit: true });
  const killed = await owner.create({ command: "sleep 300", name: "killed", sessionId: "ses_a", notifyOnExit: true });
  const optedOut = await owner.create({ command: "exit 0", name: "quiet", sessionId: "ses_a" });
  await owner.kill({ ids: [killed.id] });
  for (const job of [failing, optedOut]) await owner.waitForStatus(job.id, ["completed", "failed"], 20_000);

  const outcome = JSON.parse(await readFile(path.join(path.dirname(failing.logPath), "outcome.json"), "utf8")) as { exitNotice?: string };
  assert.equal(outcome.exitNotice, "owed", "written in outcome.json, for the next OpenCode to find");
  assert.equal(owner.get(failing.id).exitNoticeOwed, true);
  assert.equal(owner.get(killed.id).exitNoticeOwed, false, "ended on request");
  assert.equal(owner.get(optedOut.id).exitNoticeOwed, false, "no notifyOnExit");

  await reader.refresh();
  assert.equal(reader.notices.unsentExitNotice(failing.id), 0, "run 0's notice, not sent yet");
  assert.equal(reader.notices.unsentExitNotice(killed.id), undefined);
  assert.equal(reader.notices.unsentExitNotice(optedOut.id), undefined);
  const recorded = await Promise.all([owner.notices.recordExitNoticeSent(failing.id, 0), reader.notices.recordExitNoticeSent(failing.id, 0), owner.notices.recordExitNoticeSent(failing.id, 0)]);
  assert.equal(recorded.filter(Boolean).length, 1, `recorded exactly once: ${JSON.stringify(recorded)}`);
  assert.equal(reader.notices.unsentExitNotice(failing.id), undefined, "handled for good");
  assert.equal(owner.notices.unsentExitNotice(failing.id), undefined);

  // A restart is a new run: its end owes (and may send) a notice of its own.
  await owner.restart(failing.id);
  await owner.waitForStatus(failing.id, ["failed"], 20_000);
  await owner.refresh();
  assert.equal(owner.get(failing.id).restarts, 1);
  assert.equal(owner.get(failing.id).exitNoticeOwed, true);
  await reader.refresh();
  assert.equal(owner.notices.unsentExitNotice(failing.id), 1, "the new run's notice");
  assert.equal(reader.notices.unsentExitNotice(failing.id), 1);
});

test("with restart on-failure, a failed run that is restarted owes no notice; the run that stays down does", async () => {
  // A second between the runs: long enough to read run 0's outcome before the restart replaces it.
  const manager = await sandbox.open({ config: { restartBackoffMs: 1000 } });
  const job = await manager.create({ command: "exit 1", name: "crashy", sessionId: "ses_b", notifyOnExit: true, restart: "on-failure", maxRestarts: 1 });
  const dir = path.dirname(job.logPath);
  const outcomes: { run?: number; exitNotice?: string }[] = [];
  // Each run's outcome.json as it is written: run 0 (restarted), then run 1 (down for good).
  const readOutcome = async () => JSON.parse(await readFile(path.join(dir, "outcome.json"), "utf8").catch(() => "{}")) as { run?: number; exitNotice?: string; status?: string };
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; ) {
    const outcome = await readOutcome();
    if (outcome.status && !outcomes.some((seen) => (seen.run ?? 0) === (outcome.run ?? 0))) outcomes.push(outcome);
    if ((outcome.run ?? 0) === 1 && outcome.status) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await manager.waitForStatus(job.id, ["failed"], 20_000);
  assert.equal(manager.get(job.id).restarts, 1);
  const last = outcomes.find((outcome) => outcome.run === 1);
  assert.equal(last?.exitNotice, "owed", JSON.stringify(outcomes));
  const first = outcomes.find((outcome) => (outcome.run ?? 0) === 0);
  assert.ok(first, `run 0's outcome was seen: ${JSON.stringify(outcomes)}`);
  assert.equal(first.exitNotice, undefined, `run 0 was restarted: ${JSON.stringify(outcomes)}`);
  assert.equal(manager.get(job.id).exitNoticeOwed, true);
});
