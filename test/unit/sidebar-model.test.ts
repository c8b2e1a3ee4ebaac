// The TUI sidebar's rows as pure logic: which jobs a session's sidebar shows (running first, then
// those that ended lately, then none of them), and how each reads ("✓ build 12s", "✗ test 3s · exit 3").
import assert from "node:assert/strict";
import { test } from "node:test";
import type { JobView } from "../../src/core/job/job.js";
import { ENDED_SHOWN_MAX, ENDED_SHOWN_MS, sidebarJobs, sidebarRow } from "../../src/plugin/tui/sidebar-model.js";

const NOW = 1_000_000_000;
const SESSION = { sessionId: "ses_me", directories: ["/project"] };

let next = 0;
const view = (overrides: Partial<JobView> = {}): JobView => ({
  id: `job${next++}`, name: "dev", tags: [], scope: "session", sessionId: "ses_me", projectDir: "/project",
  ownerInstanceId: "i", ownerPid: 1, ownedHere: true, command: "npm run dev", cwd: "/", status: "running",
  windowName: "dev", windowId: "@1", paneId: "%1", pid: 2, createdAt: NOW - 60_000, startedAt: NOW - 60_000, endedAt: undefined,
  exitCode: undefined, signal: undefined, error: undefined, logPath: "/x/output.log", lastLine: undefined,
  notificationsDelivered: 0, lastNotificationError: undefined, notifyOnExit: false, endedByRequest: false, exitNoticeOwed: false,
  restarts: 0, restartPolicy: undefined, automaticRestarts: 0,
  ...overrides,
});
const ended = (name: string, endedAgoMs: number, overrides: Partial<JobView> = {}) =>
  view({ name, status: "completed", exitCode: 0, endedAt: NOW - endedAgoMs, startedAt: NOW - endedAgoMs - 12_000, ...overrides });

test("running jobs come first, oldest first; then ended ones, latest end first", () => {
  const jobs = [
    ended("built-long-ago", 5 * 60_000),
    view({ name: "old-server", createdAt: NOW - 90_000 }),
    ended("just-built", 1000),
    view({ name: "new-server", createdAt: NOW - 1000 }),
  ];
  assert.deepEqual(sidebarJobs(jobs, SESSION, NOW).map((job) => job.name), ["old-server", "new-server", "just-built", "built-long-ago"]);
});

test("an ended job stays ten minutes, then it goes", () => {
  const build = ended("build", 0);
  assert.deepEqual(sidebarJobs([build], SESSION, NOW + ENDED_SHOWN_MS - 1000).map((job) => job.name), ["build"]);
  assert.deepEqual(sidebarJobs([build], SESSION, NOW + ENDED_SHOWN_MS), []);
});

test("at most five ended jobs are shown: the five that ended last", () => {
  const jobs = Array.from({ length: 8 }, (_, i) => ended(`build-${i}`, (8 - i) * 1000));
  assert.equal(ENDED_SHOWN_MAX, 5);
  assert.deepEqual(sidebarJobs(jobs, SESSION, NOW).map((job) => job.name), ["build-7", "build-6", "build-5", "build-4", "build-3"]);
});

test("ended jobs of another session or another project's global ones are not shown", () => {
  const jobs = [
    ended("theirs", 1000, { sessionId: "ses_other" }),
    ended("elsewhere", 1000, { scope: "global", projectDir: "/other" }),
    ended("project-wide", 1000, { scope: "global", projectDir: "/project", sessionId: undefined }),
  ];
  assert.deepEqual(sidebarJobs(jobs, SESSION, NOW).map((job) => job.name), ["project-wide"]);
});

test("rows: a running job with its ports and first tag, a completed ✓, a failed ✗ with its exit code, a cancelled ✗", () => {
  assert.deepEqual(sidebarRow(view({ name: "web", tags: ["dev", "x"], startedAt: NOW - 12_000 }), NOW, ":5173"), {
    mark: "•", tone: "running", name: "web", details: "12s · running · :5173 · #dev",
  });
  assert.deepEqual(sidebarRow(ended("build", 0), NOW), { mark: "✓", tone: "success", name: "build", details: "12s" });
  const failed = sidebarRow(ended("test", 0, { status: "failed", exitCode: 3, startedAt: NOW - 3000 }), NOW);
  assert.deepEqual(failed, { mark: "✗", tone: "failure", name: "test", details: "3s · exit 3" });
  const signalled = sidebarRow(ended("oom", 0, { status: "failed", exitCode: undefined, signal: "SIGKILL", startedAt: NOW - 1000 }), NOW);
  assert.equal(signalled.details, "1s · SIGKILL");
  const cancelled = sidebarRow(ended("watch", 0, { status: "cancelled", exitCode: undefined, startedAt: NOW - 4000 }), NOW);
  assert.deepEqual(cancelled, { mark: "✗", tone: "cancelled", name: "watch", details: "4s · cancelled" });
});

test("a pending job reads as pending (it is only ever shown while its create runs)", () => {
  assert.deepEqual(sidebarRow(view({ status: "pending", startedAt: undefined }), NOW), { mark: "•", tone: "pending", name: "dev", details: "0s · pending" });
});
