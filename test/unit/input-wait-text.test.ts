// The waiting-for-input alarm's pure parts: which unfinished lines count as prompts, and the
// text the session, `get`, `list` and the sidebar show.
import { test } from "node:test";
import assert from "node:assert/strict";
import { looksLikePrompt } from "../../src/core/input/input-prompt.js";
import { answerCall, formatInputWait, inputWaitHint } from "../../src/plugin/input-wait-notice.js";
import { buildNotifyPrompt } from "../../src/plugin/notify-prompt.js";
import { sidebarRow } from "../../src/plugin/tui/sidebar-model.js";
import { formatJobLine } from "../../src/plugin/format.js";
import type { JobView } from "../../src/core/job/job.js";

test("questions and prompts count as waiting for input", () => {
  for (const line of [
    "Proceed? (y/N) ", "Overwrite file.txt? [Y/n] ", "Are you sure (yes/no)? ", "Do it (y/n)", "Password: ", "[sudo] password for alice: ",
    "Enter passphrase for key '/home/a/.ssh/id_ed25519': ", "Continue?", "Proceed ? ", "Name of the project: ", ">>> ", "> ", "What now? ",
    "\u001b[1;32m?\u001b[0m Pick a template: ",
  ]) assert.ok(looksLikePrompt(line), JSON.stringify(line));
});

test("progress lines, plain text and blank lines do not", () => {
  for (const line of ["Downloading 45%", "[=====>     ] 50%", "Compiling foo v0.1.0", "", "   ", "building...", "ETA 3s", "Status:ok", `${"x".repeat(600)}? `]) {
    assert.ok(!looksLikePrompt(line), JSON.stringify(line));
  }
});

test("the session gets the prompt quoted as process output, then the exact sendProcessInput call", () => {
  const hint = inputWaitHint({ id: "abcd1234" }, { prompt: "Proceed? (y/N) " });
  const prompt = buildNotifyPrompt([{ jobId: "abcd1234", jobName: "migrate", message: "Proceed? (y/N) ", kind: "input", hint }], 0, { maxChars: 2000, maxItems: 20 });
  assert.equal(prompt.text, [
    "[opencode-bg] Automated message from opencode-bg, not from the user: background process \"migrate\" (id abcd1234) stopped on a prompt:",
    "> Proceed? (y/N) ",
    "It waits for input. To answer: sendProcessInput {\"processId\":\"abcd1234\",\"text\":\"y\"} (Enter is pressed after the text). A person may also answer in its tmux window.",
  ].join("\n"));
  assert.equal(answerCall("abcd1234", "Name: "), "sendProcessInput {\"processId\":\"abcd1234\",\"text\":\"<answer>\"}");
  assert.match(inputWaitHint({ id: "abcd1234" }, { prompt: "Password: " }), /do not guess one; ask the user/);
});

test("get, list and the sidebar mark a job that waits for input", () => {
  const job = {
    id: "abcd1234", name: "migrate", tags: [], scope: "session", status: "running", startedAt: 0, restarts: 0,
    inputWait: { position: 10, prompt: "Proceed? (y/N) ", since: Date.UTC(2026, 0, 1) },
  } as unknown as JobView;
  assert.deepEqual(formatInputWait(job), ["waiting for input since 2026-01-01T00:00:00.000Z: \"Proceed? (y/N) \""]);
  assert.match(formatJobLine(job, 1000), /^abcd1234 running ⌨input \S+ "migrate"/);
  assert.match(sidebarRow(job, 1000).details, /⌨ waiting for input/);
  assert.deepEqual(formatInputWait({ inputWait: undefined }), []);
});
