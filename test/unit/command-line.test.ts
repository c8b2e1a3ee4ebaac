// Quoting for the control-mode client's command lines.
import { test } from "node:test";
import assert from "node:assert/strict";
import { commandLine, isQuotable, quoteWord } from "../../src/tmux/command-line.js";

test("plain words go in single quotes; words with a single quote in escaped double quotes", () => {
  assert.equal(quoteWord("new-window"), "'new-window'");
  assert.equal(quoteWord("a;b #{x} $HOME"), "'a;b #{x} $HOME'");
  assert.equal(quoteWord(`it's "$x" \\`), `"it's \\"\\$x\\" \\\\"`);
});

test("a line joins commands with a lone ;", () => {
  assert.equal(commandLine([["display", "-p", "x"], ["kill-window", "-t", "@1"]]), "'display' '-p' 'x' ; 'kill-window' '-t' '@1'");
});

test("control characters other than tab are refused", () => {
  assert.equal(isQuotable("a\tb"), true);
  assert.equal(isQuotable("a\nb"), false);
  assert.equal(isQuotable("a\rb"), false);
  assert.throws(() => quoteWord("x\u0000"));
});
