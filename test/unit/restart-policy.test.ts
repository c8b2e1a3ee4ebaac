// The "on-failure" policy as pure decisions: argument checks, backoff, and who is due a restart.
import { test } from "node:test";
import assert from "node:assert/strict";
import { backoffMs, DEFAULT_MAX_RESTARTS, validateRestartPolicy, wantsAutoRestart } from "../../src/core/restart/restart-policy.js";
import { InvalidInputError } from "../../src/core/errors.js";

test("restart arguments: defaults, limits and clear errors", () => {
  assert.equal(validateRestartPolicy(undefined, undefined), undefined);
  assert.equal(validateRestartPolicy("never", undefined), undefined);
  assert.deepEqual(validateRestartPolicy("on-failure", undefined), { policy: "on-failure", maxRestarts: DEFAULT_MAX_RESTARTS });
  assert.deepEqual(validateRestartPolicy("on-failure", 0), { policy: "on-failure", maxRestarts: 0 });
  assert.deepEqual(validateRestartPolicy("on-failure", 100), { policy: "on-failure", maxRestarts: 100 });
  for (const bad of [-1, 101, 1.5, "3"]) {
    assert.throws(() => validateRestartPolicy("on-failure", bad), (error: unknown) => error instanceof InvalidInputError && /maxRestarts must be a whole number from 0 to 100/.test(error.message));
  }
  assert.throws(() => validateRestartPolicy("always", undefined), /restart must be "on-failure" or "never"/);
  assert.throws(() => validateRestartPolicy(undefined, 3), /maxRestarts only applies with restart: "on-failure"/);
});

test("backoff doubles from the base and stops at the maximum", () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6].map((done) => backoffMs(done, 1000, 30_000)), [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
  assert.equal(backoffMs(1000, 1000, 30_000), 30_000, "no overflow for huge counts");
});

test("only a job that failed by itself, with restarts left and not stopped, is due a restart", () => {
  const policy = { policy: "on-failure" as const, maxRestarts: 2 };
  const failed = { status: "failed" as const, endedAt: 1, exitCode: 1 };
  const facts = { policy, outcome: failed, automaticDone: 0, stopped: false };
  assert.equal(wantsAutoRestart(facts), true);
  assert.equal(wantsAutoRestart({ ...facts, automaticDone: 1 }), true);
  assert.equal(wantsAutoRestart({ ...facts, automaticDone: 2 }), false, "maxRestarts reached");
  assert.equal(wantsAutoRestart({ ...facts, policy: undefined }), false, "no policy");
  assert.equal(wantsAutoRestart({ ...facts, stopped: true }), false, "killed on request after it failed");
  assert.equal(wantsAutoRestart({ ...facts, outcome: undefined }), false, "still running");
  assert.equal(wantsAutoRestart({ ...facts, outcome: { status: "completed", endedAt: 1, exitCode: 0 } }), false);
  assert.equal(wantsAutoRestart({ ...facts, outcome: { status: "cancelled", endedAt: 1, requested: true } }), false);
  assert.equal(wantsAutoRestart({ ...facts, outcome: { ...failed, requested: true } }), false, "ended on request");
});
