import { test } from "node:test";
import assert from "node:assert/strict";
import type { JobView } from "../../src/core/job/job.js";
import { buildCompactionContext, COMPACTION_ENDED_JOBS, COMPACTION_MAX_JOBS } from "../../src/plugin/compaction.js";

const NOW = 1_000_000_000;

function view(fields: Partial<JobView> & Pick<JobView, "id" | "name">): JobView {
  return {
    tags: [], scope: "session", sessionId: "ses_a", projectDir: "/p", ownerInstanceId: "i", ownerPid: 1, ownedHere: true,
    command: "x", cwd: "/p", status: "running", windowName: "w", windowId: "@1", paneId: "%1", pid: 2,
    createdAt: NOW - 65_000, startedAt: NOW - 65_000, endedAt: undefined, exitCode: undefined, signal: undefined, error: undefined,
    logPath: "/l", lastLine: undefined, notificationsDelivered: 0, lastNotificationError: undefined,
    notifyOnExit: false, endedByRequest: false, exitNoticeOwed: false,
    ...fields,
  } as JobView;
}

test("lists the session's running jobs, the project's global ones and the session's ended ones, with id, name, status and last line", () => {
  const jobs = [
    view({ id: "aaaaaaa1", name: "dev-server", lastLine: "  listening on 5173  " }),
    view({ id: "aaaaaaa2", name: "finished", status: "completed", endedAt: NOW }),
    view({ id: "aaaaaaa3", name: "other-session", sessionId: "ses_b" }),
    view({ id: "aaaaaaa4", name: "lint", scope: "global", sessionId: "ses_b", lastLine: "0 problems" }),
    view({ id: "aaaaaaa5", name: "other-project-global", scope: "global", sessionId: "ses_b", projectDir: "/q" }),
    view({ id: "aaaaaaa6", name: "mine-global", scope: "global" }),
    view({ id: "aaaaaaa7", name: "starting", status: "pending", startedAt: undefined }),
  ];
  const block = buildCompactionContext(jobs, "ses_a", "/p", NOW);
  assert.ok(block);
  const lines = block.split("\n");
  assert.match(lines[0] ?? "", /Background processes \(opencode-bg\)/);
  assert.match(block, /getBackgroundProcess/);
  const entries = lines.filter((line) => line.startsWith("- "));
  assert.deepEqual(entries, [
    '- aaaaaaa1 "dev-server" running 1m05s | last line: listening on 5173',
    '- aaaaaaa6 "mine-global" running 1m05s global',
    '- aaaaaaa7 "starting" pending 0s',
    '- aaaaaaa4 "lint" running 1m05s global, another session\'s | last line: 0 problems',
    '- aaaaaaa2 "finished" completed (exit 0), ended 0s ago',
  ]);
});

test("nothing running and nothing ended in this session: no block at all", () => {
  assert.equal(buildCompactionContext([], "ses_a", "/p", NOW), undefined);
  assert.equal(buildCompactionContext([view({ id: "b1", name: "done", status: "failed", sessionId: "ses_b" }), view({ id: "b2", name: "x", sessionId: "ses_b" })], "ses_a", "/p", NOW), undefined);
});

test("a failed build's id survives compaction: the session's latest ended jobs are kept, newest first, at most COMPACTION_ENDED_JOBS", () => {
  const ended = Array.from({ length: COMPACTION_ENDED_JOBS + 2 }, (_, i) => view({ id: `e${i}`, name: `run ${i}`, status: "completed", exitCode: 0, endedAt: NOW - (i + 1) * 60_000 }));
  const failed = view({ id: "failbld1", name: "build", status: "failed", exitCode: 2, error: "exited with code 2", endedAt: NOW - 5_000, lastLine: "error TS2304: Cannot find name 'x'." });
  const block = buildCompactionContext([...ended, failed], "ses_a", "/p", NOW) ?? "";
  const entries = block.split("\n").filter((line) => line.startsWith("- "));
  assert.equal(entries[0], "- failbld1 \"build\" failed: exited with code 2, ended 5s ago | last line: error TS2304: Cannot find name 'x'.");
  assert.deepEqual(entries.slice(1).map((line) => line.split(" ")[1]), ["e0", "e1", "e2", "e3"]);
  assert.match(block, /restartProcess/);
});

test("the block is bounded: at most COMPACTION_MAX_JOBS entries, long names and lines cut", () => {
  const jobs = Array.from({ length: COMPACTION_MAX_JOBS + 5 }, (_, i) => view({ id: `c${i}`, name: "n".repeat(500), lastLine: "l".repeat(5000) }));
  const block = buildCompactionContext(jobs, "ses_a", "/p", NOW) ?? "";
  const entries = block.split("\n").filter((line) => line.startsWith("- c"));
  assert.equal(entries.length, COMPACTION_MAX_JOBS);
  assert.match(block, /and 5 more \(listBackgroundProcesses shows all\)/);
  assert.ok(entries.every((line) => line.length < 250), "each entry is short");
});

test("only this project's jobs: a job of another project directory is left out, even the session's own (the tools would call its id unknown)", () => {
  const jobs = [
    view({ id: "d1", name: "here" }),
    view({ id: "d2", name: "same-session-other-dir", projectDir: "/q" }),
    view({ id: "d3", name: "other-dir-global", scope: "global", sessionId: "ses_b", projectDir: "/q" }),
  ];
  const block = buildCompactionContext(jobs, "ses_a", "/p", NOW) ?? "";
  assert.match(block, /- d1 "here"/);
  assert.doesNotMatch(block, /d2|d3/);
});
