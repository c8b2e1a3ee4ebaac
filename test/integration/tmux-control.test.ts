// The control-mode client against a real tmux server: words come back exactly as sent,
// errors are typed, and a dead server falls back to spawning tmux.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile } from "node:fs/promises";
import path from "node:path";
import { createTmuxSandbox, type TmuxSandbox } from "../helpers/tmux-sandbox.js";
import { TmuxClient } from "../../src/tmux/client.js";
import { TmuxServerGoneError, TmuxTargetGoneError } from "../../src/tmux/errors.js";
import { escapeFormat } from "../../src/tmux/escape.js";
import { ensureSession } from "../../src/tmux/session.js";

let sandbox: TmuxSandbox;
let client: TmuxClient;

before(async () => {
  sandbox = await createTmuxSandbox("obg-ctl");
  client = new TmuxClient({ socketName: sandbox.socket, env: sandbox.env });
  await ensureSession(client, "ctl");
  await client.useControlMode("ctl");
});
after(async () => {
  client.close();
  await sandbox.cleanup();
});

// Words that break naive quoting: quotes of both kinds, $VAR and ${VAR} (in and out of double
// quotes), backquotes, trailing ';' and '\\', tabs, '~', braces, formats, strftime, unicode.
const HOSTILE_WORDS = [
  `it's "quoted"`, "a;b ;", "$HOME ${X} `id`", "it's $HOME ${X} $_ `id` $", "back\\slash\\", "it's \\ back\\", "tab\there",
  "~user", "'~user", "{ braces }", "#{literal}", "it's #{pane_id} %d ##", "-dash", "日本語",
];

// What tmux PRINTS is no witness of what it received: 3.4 prints "$HOME" as "\$HOME" (see
// command-line.ts). So each word is stored by the command line under test and compared inside
// tmux with the same word stored through argv (never parsed), and written out byte for byte.
test("hostile words round-trip exactly through a command line", async () => {
  assert.equal(client.controlModeActive, true);
  const file = path.join(sandbox.stateDir, "round-trip.txt");
  for (const word of HOSTILE_WORDS) {
    await client.runSpawned(["set-option", "-g", "@obg_argv", word]);
    await client.run(["set-option", "-g", "@obg_line", word], ["set-option", "-g", "-F", "@obg_format", escapeFormat(word)]);
    const same = await client.run(["display-message", "-p", "#{==:#{@obg_line},#{@obg_argv}}"], ["display-message", "-p", "#{==:#{@obg_format},#{@obg_argv}}"]);
    assert.equal(same, "1\n1", `stored through a command line and as a format: ${word}`);
    await client.run(["set-buffer", "-b", "obg-rt", "--", word], ["save-buffer", "-b", "obg-rt", file]);
    assert.equal(await readFile(file, "utf8"), word);
  }
});

test("a state folder and a cwd named with quotes, $VAR, formats and % run jobs (window path, pipe-pane command)", async () => {
  const root = await mkdtemp(path.join(sandbox.stateDir, "it's $HOME ${X} #{pane_id} %d-"));
  const cwd = path.join(root, "cwd $PWD ` '");
  await mkdir(cwd);
  const manager = await sandbox.open({ config: { stateDir: path.join(root, "state $HOME's") } });
  const job = await manager.create({ command: "pwd; echo done", cwd, name: "odd-paths" });
  const done = await manager.waitForStatus(job.id, ["completed", "failed"], 20_000);
  assert.equal(done.status, "completed", done.error);
  const lines = (await manager.output(job.id, { lines: 10 })).lines.map((line) => line.text);
  assert.deepEqual(lines, [cwd, "done"]);
  assert.match(await readFile(done.logPath, "utf8"), /done\r?\n/);
});

test("several commands in one line: outputs joined; a failing one is a typed error and stops the line", async () => {
  assert.equal(await client.run(["display-message", "-p", "one"], ["display-message", "-p", "two"]), "one\ntwo");
  await assert.rejects(client.run(["kill-window", "-t", "@9999"], ["display-message", "-p", "not run"]), TmuxTargetGoneError);
  assert.equal(await client.run(["display-message", "-p", "still answering"]), "still answering");
});

test("the server killed under the client: commands fall back to spawning tmux and say the server is gone", async () => {
  sandbox.tmux("kill-server");
  await assert.rejects(client.run(["display-message", "-p", "x"]), TmuxServerGoneError);
  assert.equal(client.controlModeActive, false);
  await ensureSession(client, "ctl");
  await client.useControlMode("ctl");
  assert.equal(client.controlModeActive, true);
  assert.equal(await client.run(["display-message", "-p", "back"]), "back");
});

test("a client closed while its control client is still starting leaves no control client behind", async () => {
  const controlClients = () => sandbox.tmux("list-clients", "-F", "#{client_control_mode}").split("\n").filter((flag) => flag === "1").length;
  const before = controlClients();
  const other = new TmuxClient({ socketName: sandbox.socket, env: sandbox.env });
  const starting = other.useControlMode("ctl");
  other.close();
  await starting;
  assert.equal(other.controlModeActive, false, "a closed client uses no control mode");
  // The start completes after the close; the control client it made must go with it.
  let now = controlClients();
  for (let waited = 0; now !== before && waited < 3000; waited += 50) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    now = controlClients();
  }
  assert.equal(now, before, "control clients attached after the close settled");
  assert.equal(await other.run(["display-message", "-p", "spawned"]), "spawned", "a closed client still runs commands by spawning tmux");
});
