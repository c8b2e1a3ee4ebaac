// How restarts and disk use read in tool results: pure formatting of job views.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { JobView } from "../../src/core/job/job.js";
import { formatJobLine, formatRestarts } from "../../src/plugin/format.js";
import { formatDiskTotal } from "../../src/plugin/disk-usage.js";
import { formatSize } from "../../src/text/size.js";

const view = (overrides: Partial<JobView> = {}): JobView => ({
  id: "k3f9x0qa", name: "dev", tags: [], scope: "session", sessionId: undefined, projectDir: undefined,
  ownerInstanceId: "i", ownerPid: 1, ownedHere: true, command: "npm run dev", cwd: "/", status: "running",
  windowName: "dev-k3f9x0qa", windowId: "@1", paneId: "%1", pid: 2, createdAt: 0, startedAt: 0, endedAt: undefined,
  exitCode: undefined, signal: undefined, error: undefined, logPath: "/x/output.log", lastLine: "ready",
  notificationsDelivered: 0, lastNotificationError: undefined, notifyOnExit: false, endedByRequest: false, exitNoticeOwed: false,
  restarts: 0, restartPolicy: undefined, automaticRestarts: 0,
  ...overrides,
});

test("list lines show restarts and a large log, and nothing extra otherwise", () => {
  assert.equal(formatJobLine(view(), 0, 10_000), `k3f9x0qa running 0s "dev" | ready`);
  assert.equal(formatJobLine(view({ restarts: 2, scope: "global" }), 0), `k3f9x0qa running 0s "dev" global restarts=2 | ready`);
  assert.equal(formatJobLine(view(), 0, 48.2 * 1024 * 1024), `k3f9x0qa running 0s "dev" log=48.2MB | ready`);
});

test("details say how many restarts and how much of the policy is used", () => {
  assert.deepEqual(formatRestarts(view()), []);
  assert.deepEqual(formatRestarts(view({ restarts: 1 })), ["restarts: 1"]);
  assert.deepEqual(
    formatRestarts(view({ restarts: 3, automaticRestarts: 2, restartPolicy: { policy: "on-failure", maxRestarts: 5 } })),
    ["restarts: 3 (on-failure: 2 of 5 automatic restarts used)"],
  );
});

test("disk totals and sizes", () => {
  assert.equal(formatSize(512), "512 B");
  assert.equal(formatSize(12.3 * 1024), "12.3 KB");
  assert.equal(formatDiskTotal(new Map([["a", 1024 * 1024], ["b", 512 * 1024]]), 64 * 1024 * 1024), "logs on disk: 1.5 MB (cap 64.0 MB per job)");
  assert.equal(formatDiskTotal(new Map(), 64 * 1024 * 1024), "logs on disk: 0 B (cap 64.0 MB per job)");
});
