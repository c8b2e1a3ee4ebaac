import { test } from "node:test";
import assert from "node:assert/strict";
import { loadPluginOptions } from "../../src/plugin/options.js";
import { closestName } from "../../src/plugin/unknown-options.js";

test("an unknown plugin option is named, with the option meant when one is close", () => {
  const { options, warnings } = loadPluginOptions({ killGraceMS: 100, tmuxsocket: "x", notifyMaxPerMin: 3, fooBar: 1, notifyCoalesceMs: 5, stateDir: "/tmp/x" });
  assert.deepEqual(warnings, [
    'opencode-bg: unknown plugin option "killGraceMS" is ignored; did you mean "killGraceMs"? (it keeps its default)',
    'opencode-bg: unknown plugin option "tmuxsocket" is ignored; did you mean "tmuxSocket"? (it keeps its default)',
    'opencode-bg: unknown plugin option "notifyMaxPerMin" is ignored; did you mean "notifyMaxPerMinute"? (it keeps its default)',
    'opencode-bg: unknown plugin option "fooBar" is ignored.',
    'opencode-bg: plugin option "notifyCoalesceMs" is ignored: it is no longer read; notifyMinIntervalMs replaced it.',
  ]);
  assert.equal(options.killGraceMs, undefined, "the typo does not set the option");
  assert.equal(options.stateDir, "/tmp/x");
});

test("known options and no options give no warning", () => {
  assert.deepEqual(loadPluginOptions({ killGraceMs: 100, notifyOnExit: true }).warnings, []);
  assert.deepEqual(loadPluginOptions(undefined).warnings, []);
});

test("a close match is a case difference or a few edits, not any name", () => {
  assert.equal(closestName("STATEDIR", ["stateDir", "sessionName"]), "stateDir");
  assert.equal(closestName("sesionName", ["stateDir", "sessionName"]), "sessionName");
  assert.equal(closestName("port", ["stateDir", "sessionName"]), undefined);
});
