// The log cap's configuration: sizes as a person writes them, and where the cap comes from.
import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_MAX_LOG_BYTES, parseByteSize } from "../../src/core/output/log-cap.js";
import { resolveConfig } from "../../src/core/config.js";
import { InvalidInputError } from "../../src/core/errors.js";

test("sizes: bytes, or K/M/G/T (powers of 1024) with an optional B or iB", () => {
  assert.equal(parseByteSize("67108864", "x"), 67_108_864);
  assert.equal(parseByteSize("64M", "x"), 64 * 1024 * 1024);
  assert.equal(parseByteSize("64 MB", "x"), 64 * 1024 * 1024);
  assert.equal(parseByteSize("1GiB", "x"), 1024 ** 3);
  assert.equal(parseByteSize("1.5k", "x"), 1536);
  for (const bad of ["", "lots", "-1M", "12Q", "1e6"]) {
    assert.throws(() => parseByteSize(bad, "OPENCODE_BG_MAX_LOG_BYTES"), (error: unknown) => error instanceof InvalidInputError && error.message.startsWith("OPENCODE_BG_MAX_LOG_BYTES must be a size"));
  }
});

test("maxLogBytes: default, environment variable, option wins, too small is refused", () => {
  const base = { OPENCODE_BG_STATE_DIR: "/tmp/obg-unit-state" };
  assert.equal(resolveConfig({}, base).maxLogBytes, DEFAULT_MAX_LOG_BYTES);
  assert.equal(resolveConfig({}, { ...base, OPENCODE_BG_MAX_LOG_BYTES: "2M" }).maxLogBytes, 2 * 1024 * 1024);
  assert.equal(resolveConfig({ maxLogBytes: 1024 * 1024 }, { ...base, OPENCODE_BG_MAX_LOG_BYTES: "2M" }).maxLogBytes, 1024 * 1024);
  assert.throws(() => resolveConfig({}, { ...base, OPENCODE_BG_MAX_LOG_BYTES: "1k" }), /maxLogBytes: must be at least 65536 bytes/);
  assert.throws(() => resolveConfig({}, { ...base, OPENCODE_BG_MAX_LOG_BYTES: "big" }), /OPENCODE_BG_MAX_LOG_BYTES must be a size/);
});
