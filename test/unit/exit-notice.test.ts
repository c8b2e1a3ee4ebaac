// Exit notices: who gets one (jobs that ended by themselves, never ones killed on request) and
// what it says (status, exit code, runtime, the last lines, within the size limit).
import { test } from "node:test";
import assert from "node:assert/strict";
import { decideOutcome, owesExitNotice } from "../../src/core/end/outcome.js";
import type { JobView } from "../../src/core/job/job.js";
import type { OutputRead } from "../../src/core/manager.js";
import { buildExitNotice, exitNoticeDue, nextCallAfterFailure } from "../../src/plugin/exit-notice.js";
import { getBackgroundProcessTool } from "../../src/plugin/tools/get.js";

const exit = (exitCode: number, extra: object = {}) => ({ exitCode, endedAt: 900, ownerGone: false, ...extra });
const view = (extra: Partial<JobView>): JobView => ({
  id: "abcd1234", name: "build", status: "completed", sessionId: "ses_1", notifyOnExit: true, endedByRequest: false, exitNoticeOwed: true,
  startedAt: 1_000, endedAt: 13_000, exitCode: 0, signal: undefined, error: undefined, ...extra,
}) as JobView;
const tail = (count: number, width = 10): OutputRead => ({
  lines: Array.from({ length: count }, (_, i) => ({ no: i + 1, text: `${i + 1}`.padEnd(width, "x") })),
  next: count + 1, dropped: false, pending: "",
});

test("kills on request are marked requested; ends by the job itself are not", () => {
  const now = 1000;
  assert.equal(decideOutcome({ exit: exit(143), cancel: { requestedAt: 1, reason: "killed with killProcesses" }, now }).requested, true);
  assert.equal(decideOutcome({ exit: exit(143, { ownerGone: true }), now }).requested, true);
  for (const evidence of [{ exit: exit(0) }, { exit: exit(2) }, { exit: exit(130, { interrupted: "INT" }) }, { exit: exit(129, { interrupted: "HUP" }) }, { windowGone: true }]) {
    assert.equal(decideOutcome({ ...evidence, now }).requested, undefined, JSON.stringify(evidence));
  }
});

test("an end owes a notice only when the job asked for one, has a session, ended by itself and stays down", () => {
  const outcome = (extra: object = {}) => ({ status: "failed" as const, endedAt: 1, exitCode: 2, ...extra });
  const facts = (extra: object = {}) => ({ notifyOnExit: true, sessionId: "ses_1", outcome: outcome(), restartFollows: false, ...extra });
  assert.equal(owesExitNotice(facts()), true);
  assert.equal(owesExitNotice(facts({ outcome: { status: "cancelled", endedAt: 1, error: "interrupted with Ctrl-C in its tmux window" } })), true);
  assert.equal(owesExitNotice(facts({ outcome: outcome({ requested: true }) })), false, "killed on request");
  assert.equal(owesExitNotice(facts({ notifyOnExit: false })), false);
  assert.equal(owesExitNotice(facts({ sessionId: undefined })), false);
  assert.equal(owesExitNotice(facts({ restartFollows: true })), false, "its restart policy runs it again");
});

test("a notice is due for a finished job whose end owes one, with a session", () => {
  assert.equal(exitNoticeDue(view({})), true);
  assert.equal(exitNoticeDue(view({ status: "failed", exitCode: 2 })), true);
  assert.equal(exitNoticeDue(view({ exitNoticeOwed: false })), false);
  assert.equal(exitNoticeDue(view({ sessionId: undefined })), false);
  assert.equal(exitNoticeDue(view({ status: "running" })), false, "restarted since");
});

test("the notice names the exit code once, the runtime, on failure the next call, and the last 10 lines", () => {
  const text = buildExitNotice(view({ status: "failed", exitCode: 2, error: "exited with code 2" }), tail(15, 2), 2000);
  const expected = [
    "failed: exited with code 2, after 12s",
    'next: getBackgroundProcess {"processId":"abcd1234","since":1,"grep":"(?i)error|fail"} searches its whole log for errors',
    "last output (lines 6-15):",
  ];
  assert.deepEqual(text.split("\n").slice(0, 3), expected);
  assert.deepEqual(text.split("\n").slice(3), Array.from({ length: 10 }, (_, i) => `${i + 6}`.padEnd(2, "x")));
  assert.equal(text.match(/\b2\b/g)?.length, 1, "the exit code is named once");
  assert.match(buildExitNotice(view({}), tail(0), 2000), /^completed \(exit 0\), after 12s\noutput: \(none\)$/);
  // Ctrl-C in the window: the status does not say the code, so the notice adds it.
  assert.match(buildExitNotice(view({ status: "cancelled", exitCode: 130, error: "interrupted with Ctrl-C in its tmux window" }), tail(0), 2000), /^cancelled: interrupted with Ctrl-C in its tmux window, exit code 130, after 12s\noutput/);
});

test("the suggested next call uses getBackgroundProcess's real argument names", () => {
  const args = Object.keys(getBackgroundProcessTool({ manager: () => Promise.reject(new Error("unused")) }).args);
  const suggested = JSON.parse(/getBackgroundProcess (\{.*\})/.exec(nextCallAfterFailure("abcd1234"))?.[1] ?? "{}") as Record<string, unknown>;
  for (const name of Object.keys(suggested)) assert.ok(args.includes(name), `${name} is an argument of getBackgroundProcess`);
});

test("a notice over the size limit drops its oldest lines first and keeps the newest", () => {
  const text = buildExitNotice(view({}), tail(10, 200), 700);
  assert.ok(text.length <= 700, `${text.length} chars`);
  assert.match(text, /last output \(lines (8|9|10)-10\):/);
  assert.ok(text.endsWith("10".padEnd(200, "x")));
});
