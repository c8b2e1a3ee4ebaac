import { test } from "node:test";
import assert from "node:assert/strict";
import { INPUT_LIMITS, isValidKeyName, validateSendInput } from "../../src/core/input/send-input.js";

test("key names: tmux names with C-/M-/S- modifiers, or one printable character", () => {
  for (const key of ["C-c", "C-d", "Enter", "enter", "Escape", "Up", "Down", "Tab", "BTab", "BSpace", "PageUp", "NPage", "F5", "F12", "M-x", "C-M-Left", "S-Tab", "y", "q", ":", "C-\\", "C-]"]) {
    assert.equal(isValidKeyName(key), true, key);
  }
  for (const key of ["", "C-", "hello", "Enter; kill-server", "F13", "C-c C-c", "-c", " ", "é", "\n", "X-c", "C-C-C-C-c", "send-keys"]) {
    assert.equal(isValidKeyName(key), false, JSON.stringify(key));
  }
});

test("an unknown key is refused with the key and examples of valid names", () => {
  assert.throws(() => validateSendInput({ keys: ["Up", "kill-server"] }), /key "kill-server" is not a key name: use tmux names such as C-c/);
  assert.throws(() => validateSendInput({ keys: Array.from({ length: INPUT_LIMITS.keys + 1 }, () => "Up") }), new RegExp(`${INPUT_LIMITS.keys + 1} keys given; the limit is ${INPUT_LIMITS.keys}`));
});

test("each text line is at most 4000 bytes; the error names the line and the limit", () => {
  assert.doesNotThrow(() => validateSendInput({ text: "x".repeat(INPUT_LIMITS.lineBytes) }));
  assert.throws(() => validateSendInput({ text: "x".repeat(INPUT_LIMITS.lineBytes + 1) }), /text line 1 is 4001 bytes; the limit is 4000 per line/);
  // Counted in UTF-8 bytes, not characters: 1334 three-byte characters are 4002 bytes.
  assert.throws(() => validateSendInput({ text: "€".repeat(1334) }), /text line 1 is 4002 bytes/);
  const long = "y".repeat(INPUT_LIMITS.lineBytes + 5);
  assert.throws(() => validateSendInput({ text: `short\n${long}\nshort` }), /text line 2 is 4005 bytes/);
  assert.doesNotThrow(() => validateSendInput({ text: Array.from({ length: 10 }, () => "z".repeat(3000)).join("\n") }));
});

test("text totals, control characters and empty input are refused clearly", () => {
  const big = Array.from({ length: 20 }, () => "z".repeat(3999)).join("\n");
  assert.throws(() => validateSendInput({ text: big }), /text is \d+ bytes; the limit is 65536/);
  assert.throws(() => validateSendInput({ text: "stop\u0003" }), /control character; send control keys with keys/);
  assert.throws(() => validateSendInput({ text: "line\r" }), /control character/);
  assert.doesNotThrow(() => validateSendInput({ text: "a\tb\nc" }));
  assert.throws(() => validateSendInput({}), /nothing to send/);
  assert.throws(() => validateSendInput({ text: "", keys: [], enter: false }), /nothing to send/);
  assert.doesNotThrow(() => validateSendInput({ enter: true }));
});
