// Control mode on a person's default tmux server only where a starting control client cannot
// crash it (tmux 3.2a-3.5a can: src/tmux/control-safety.ts has the measurement).
import { test } from "node:test";
import assert from "node:assert/strict";
import { controlModeIsSafe } from "../../src/tmux/control-safety.js";

test("the default server: spawned commands on tmux 3.2a-3.6, control mode from 3.7 and on development builds", () => {
  const versions = ["3.2a", "3.3a", "3.4", "3.5a", "3.6", "3.6a", "3.7", "3.7c", "4.0", "next-3.8", "master"];
  assert.deepEqual(
    versions.map((version) => controlModeIsSafe(version, false)),
    [false, false, false, false, false, false, true, true, true, true, true],
  );
});

test("a private server (tmuxSocket) keeps control mode on every version: only opencode-bg's jobs live there", () => {
  assert.ok(["3.2a", "3.3a", "3.4", "3.5a", "3.7c"].every((version) => controlModeIsSafe(version, true)));
});
