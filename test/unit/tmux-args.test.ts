// The escaping rules that keep user text literal in tmux: trailing ';', formats, pipe-pane.
import { test } from "node:test";
import assert from "node:assert/strict";
import { escapeTrailingSemicolon, parseTmuxVersion } from "../../src/tmux/client.js";
import { classifyTmuxFailure, TmuxServerGoneError, TmuxTargetGoneError } from "../../src/tmux/errors.js";
import { shellQuote } from "../../src/core/shell.js";
import { escapeFormat, escapePipeCommand, splitFields } from "../../src/tmux/escape.js";
import { windowNameFor } from "../../src/core/job/ids.js";

test("an argument ending in ';' gets one backslash so tmux keeps it literal", () => {
  assert.equal(escapeTrailingSemicolon("a;"), "a\\;");
  assert.equal(escapeTrailingSemicolon(";"), "\\;");
  assert.equal(escapeTrailingSemicolon("x\\;"), "x\\\\;");
  assert.equal(escapeTrailingSemicolon("a;b"), "a;b");
});

test("formats and pipe-pane commands are escaped", () => {
  assert.equal(escapeFormat("a#{b}#"), "a##{b}##");
  assert.equal(shellQuote("it's"), `'it'\\''s'`);
  assert.equal(escapePipeCommand("cat >> '/x/%d#1'"), "cat >> '/x/%%d##1'");
});

test("tmux versions", () => {
  assert.deepEqual(parseTmuxVersion("tmux 3.3a"), { text: "3.3a", supported: true });
  assert.deepEqual(parseTmuxVersion("tmux 3.2a"), { text: "3.2a", supported: true });
  assert.deepEqual(parseTmuxVersion("tmux 3.1c"), { text: "3.1c", supported: false });
  assert.equal(parseTmuxVersion("tmux 3.7c").supported, true);
  assert.equal(parseTmuxVersion("tmux 2.9a").supported, false);
  assert.deepEqual(parseTmuxVersion("tmux next-3.5"), { text: "next-3.5", supported: true });
  assert.equal(parseTmuxVersion("tmux 4.0").supported, true);
});

test("tmux failures are classified", () => {
  assert.ok(classifyTmuxFailure(["list-panes"], "no server running on /tmp/tmux-0/x") instanceof TmuxServerGoneError);
  assert.ok(classifyTmuxFailure(["kill-window"], "can't find window: @9") instanceof TmuxTargetGoneError);
});

test("-F output splits into fields; the last keeps any tabs", () => {
  assert.deepEqual(splitFields("a\tb\tc\td", 3), ["a", "b", "c\td"]);
  assert.deepEqual(splitFields("a", 3), ["a", "", ""]);
});

test("window names are [a-z0-9-] with the id", () => {
  assert.equal(windowNameFor(`Dev "server" #{pane_id}; rm -rf /`, "abc12345"), "dev-server-pane-id-rm-rf-abc12345");
  assert.equal(windowNameFor("日本語", "abc12345"), "job-abc12345");
  assert.equal(windowNameFor("Crème brûlée", "abc12345"), "creme-brulee-abc12345");
});
