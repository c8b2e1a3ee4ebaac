// The FIFO payload a wrapper reads its environment from (env-pipe.ts): pure parts only; the
// delivery itself is tested on a real tmux server in test/safety/secrets.test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { encodeEnvPayload, jobEnvironment } from "../../src/core/launch/env-pipe.js";

test("payload: a header with the entry count, then NUL-terminated entries; invalid names and NULs are skipped", () => {
  const payload = encodeEnvPayload({ A: "1", "A-B": "x", B: "two words", C: undefined, D: "nul\0inside", E: "" }).toString("utf8");
  assert.equal(payload, "3 w\nA=1\0B=two words\0E=\0");
});

test("payload: larger than one page streams ('t': the wrapper reads with timeouts)", () => {
  const small = encodeEnvPayload({ X: "y".repeat(3000) }).toString("utf8");
  const large = encodeEnvPayload({ X: "y".repeat(5000) }).toString("utf8");
  assert.ok(small.startsWith("1 w\n"));
  assert.ok(large.startsWith("1 t\n"));
});

test("job environment: the caller's env over the base, and the markers over both", () => {
  const env = jobEnvironment({ PATH: "/bin", PORT: "1", OPENCODE_BG_JOB: "spoofed", OPENCODE_BG_STATE: "/elsewhere" }, { PORT: "2" }, "abc12345", "/state/dir");
  assert.deepEqual(env, { PATH: "/bin", PORT: "2", OPENCODE_BG_JOB: "abc12345", OPENCODE_BG_STATE: "/state/dir" });
});
