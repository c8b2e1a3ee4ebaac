import assert from "node:assert/strict";
import { test } from "node:test";
import { NOTIFY_MARKER, parseNotifyLine } from "../../src/core/notify/notify.js";

test("the marker", () => {
  assert.equal(NOTIFY_MARKER, "OPENCODE_NOTIFY:");
});

test("a notify line yields its message, trimmed", () => {
  assert.equal(parseNotifyLine("OPENCODE_NOTIFY: build done"), "build done");
  assert.equal(parseNotifyLine("OPENCODE_NOTIFY:build done"), "build done");
  assert.equal(parseNotifyLine("OPENCODE_NOTIFY:   tests failed: 3  \t"), "tests failed: 3");
});

test("an empty or blank message is not a notification", () => {
  assert.equal(parseNotifyLine("OPENCODE_NOTIFY:"), undefined);
  assert.equal(parseNotifyLine("OPENCODE_NOTIFY:   \t "), undefined);
});

test("the marker must start the line exactly", () => {
  assert.equal(parseNotifyLine(" OPENCODE_NOTIFY: hi"), undefined);
  assert.equal(parseNotifyLine("\tOPENCODE_NOTIFY: hi"), undefined);
  assert.equal(parseNotifyLine("log: OPENCODE_NOTIFY: hi"), undefined);
  assert.equal(parseNotifyLine("opencode_notify: hi"), undefined);
  assert.equal(parseNotifyLine("OPENCODE_NOTIFY hi"), undefined);
  assert.equal(parseNotifyLine(""), undefined);
});
