// How evidence about a job's end becomes completed / failed / cancelled with a reason.
import { test } from "node:test";
import assert from "node:assert/strict";
import { decideOutcome, OWNER_GONE_REASON } from "../../src/core/end/outcome.js";

const now = 1_000;
const exit = (exitCode: number, extra: object = {}) => ({ exitCode, endedAt: 900, ownerGone: false, ...extra });

test("exit 0 completes; non-zero fails with the code", () => {
  assert.deepEqual(decideOutcome({ exit: exit(0), now }), { status: "completed", endedAt: 900, exitCode: 0 });
  assert.deepEqual(decideOutcome({ exit: exit(2), now }), { status: "failed", endedAt: 900, exitCode: 2, error: "exited with code 2" });
});

test("death by signal is named", () => {
  const outcome = decideOutcome({ exit: exit(137), now });
  assert.equal(outcome.signal, "SIGKILL");
  assert.equal(outcome.error, "terminated by SIGKILL");
});

test("a requested kill is a cancellation whatever the exit code", () => {
  const outcome = decideOutcome({ exit: exit(143, { interrupted: "TERM" }), cancel: { requestedAt: 800, reason: "killed with killProcesses" }, now });
  assert.equal(outcome.status, "cancelled");
  assert.equal(outcome.error, "killed with killProcesses");
});

test("Ctrl-C in the window, a closed window, a dead server, a dead owner", () => {
  assert.equal(decideOutcome({ exit: exit(130, { interrupted: "INT" }), now }).status, "cancelled");
  assert.match(decideOutcome({ exit: exit(129, { interrupted: "HUP" }), now }).error ?? "", /window was closed/);
  const serverGone = decideOutcome({ exit: exit(129, { interrupted: "HUP" }), serverGone: true, now });
  assert.deepEqual([serverGone.status, serverGone.error], ["failed", "the tmux server exited"]);
  const ownerGone = decideOutcome({ exit: exit(143, { ownerGone: true }), now });
  assert.deepEqual([ownerGone.status, ownerGone.error], ["cancelled", OWNER_GONE_REASON]);
});

test("no exit file: tmux's evidence decides", () => {
  const killed = decideOutcome({ pane: { dead: true, deadSignal: 9 }, now });
  assert.deepEqual([killed.status, killed.signal, killed.endedAt], ["failed", "SIGKILL", now]);
  assert.match(killed.error ?? "", /without reporting \(killed by SIGKILL\)/);
  assert.match(decideOutcome({ serverGone: true, now }).error ?? "", /tmux server exited/);
  assert.match(decideOutcome({ windowGone: true, now }).error ?? "", /window was closed/);
});

test("a lost window or server is recorded in the verdict (every instance then looks for leftovers); an ordinary or requested end is not", () => {
  const lost = [
    decideOutcome({ exit: exit(129, { interrupted: "HUP" }), now }),
    decideOutcome({ exit: exit(129, { interrupted: "HUP" }), serverGone: true, now }),
    decideOutcome({ serverGone: true, now }),
    decideOutcome({ windowGone: true, now }),
  ];
  assert.deepEqual(lost.map((outcome) => outcome.windowLost), [true, true, true, true]);
  const kept = [
    decideOutcome({ exit: exit(0), now }),
    decideOutcome({ exit: exit(1), now }),
    decideOutcome({ exit: exit(130, { interrupted: "INT" }), now }),
    decideOutcome({ exit: exit(143, { interrupted: "TERM" }), cancel: { requestedAt: 1 }, now }),
    decideOutcome({ pane: { dead: true, deadSignal: 9 }, now }),
  ];
  assert.deepEqual(kept.map((outcome) => outcome.windowLost), [undefined, undefined, undefined, undefined, undefined]);
});
