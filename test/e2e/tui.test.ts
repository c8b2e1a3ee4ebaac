// The TUI sidebar end to end: the real OpenCode TUI, running in its own private tmux server, with
// opencode-bg installed by `opencode plugin <this repo>`. The screen is read with capture-pane.
// Jobs run on a second private tmux server (the tmux sandbox), created and killed by the test's
// own JobManager or by the model through the plugin's tool.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { test, type TestContext } from "node:test";
import { startFakeModel, type FakeModel, type ModelScript } from "../../scripts/e2e/fake-model.js";
import { createSandbox, OPENCODE_BIN, type Sandbox } from "../../scripts/e2e/opencode-sandbox.js";
import { createTmuxSandbox, eventually, type TmuxSandbox } from "../helpers/tmux-sandbox.js";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const SERVER_ENTRY = join(REPO_ROOT, "dist/plugin/server.js");
/** tmux by absolute path: the no-tmux test hands child processes a PATH without it. */
const TMUX_BIN = execFileSync("sh", ["-c", "command -v tmux"], { encoding: "utf8" }).trim();
const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

/** Where tmux puts a named server's socket; tmux 3.3 leaves the file behind after kill-server. */
function socketFile(name: string): string {
  return join(process.env.TMUX_TMPDIR || "/tmp", `tmux-${process.getuid?.() ?? 0}`, name);
}

// ---- screen helpers -----------------------------------------------------------------------------

/** The sidebar's section header: "Background" alone at the end of a line (not createBackgroundProcess). */
const SECTION = /(?:^|\s)Background\s*$/m;
/** A running job's row in the section: "• name 12s · running · #tag"; group 1 is the runtime. */
function rowPattern(name: string): RegExp {
  return new RegExp(`• ${name} (\\d+[smh][\\dsm]*) · running`);
}
/** Any row of that job (the chat may show the name too, in the tool call, but not after "• "). */
function hasRow(screen: string, name: string): boolean {
  return screen.includes(`• ${name} `);
}
/** An ended job's row: "✓ name 12s", "✗ name 3s · exit 3", "✗ name 4s · cancelled". */
function endedRow(mark: "✓" | "✗", name: string, details: string): RegExp {
  return new RegExp(`${mark} ${name} \\d+[smh][\\dsm]*${details}`);
}

interface Tui {
  screen(): string;
  /** Polls the screen until `check` returns a value; the timeout error shows the last screen. */
  waitFor<T>(what: string, check: (screen: string) => T | undefined | null | false, timeoutMs?: number): Promise<T>;
  /** Types a prompt, waits for it to show, then submits it. */
  submit(text: string): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the OpenCode TUI in a new private tmux server, 160x45, in the sandbox project. */
async function startTui(sandbox: Sandbox): Promise<Tui> {
  const socket = `obg-tui-${process.pid}-${randomBytes(4).toString("hex")}`;
  // -f /dev/null: no user tmux.conf. The server takes its global environment from this call.
  const tmux = (...args: string[]) =>
    execFileSync(TMUX_BIN, ["-L", socket, "-f", "/dev/null", ...args], { env: sandbox.env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  // resize-window: tmux 3.2a ignores -x/-y of a detached new-session (the window is 80x23).
  tmux("new-session", "-d", "-s", "tui", "-x", "160", "-y", "45", "-c", sandbox.projectDir, OPENCODE_BIN, ";", "set-option", "-t", "tui", "remain-on-exit", "on", ";", "resize-window", "-t", "tui:", "-x", "160", "-y", "45");
  const pid = Number(tmux("display-message", "-p", "-t", "tui", "#{pane_pid}").trim());
  let last = "";
  const tui: Tui = {
    screen() {
      last = tmux("capture-pane", "-p", "-t", "tui");
      return last;
    },
    async waitFor(what, check, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        let screen = last;
        try {
          screen = tui.screen();
        } catch {
          // tmux briefly busy; the deadline decides.
        }
        const value = check(screen);
        if (value !== undefined && value !== null && value !== false) return value;
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; screen:\n${screen}`);
        await sleep(100);
      }
    },
    async submit(text) {
      tmux("send-keys", "-t", "tui", "-l", text);
      await tui.waitFor(`the typed prompt "${text}"`, (screen) => screen.includes(text));
      tmux("send-keys", "-t", "tui", "Enter");
    },
    async stop() {
      try {
        tmux("kill-server");
      } catch {
        // already gone
      }
      rmSync(socketFile(socket), { force: true });
      // SIGHUP ends OpenCode; make sure it is gone before the sandbox is deleted under it.
      const deadline = Date.now() + 5000;
      while (pid > 0 && isAlive(pid) && Date.now() < deadline) await sleep(100);
      if (pid > 0 && isAlive(pid)) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // gone meanwhile
        }
      }
    },
  };
  return tui;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The screen is the TUI, not a crash: the prompt's agent/model line is there. */
function tuiAlive(screen: string): boolean {
  return /Build · Fake/.test(screen);
}

// ---- sandbox helpers ----------------------------------------------------------------------------

/** `opencode plugin <package dir>` in the sandbox project: writes .opencode/opencode.json and tui.json. */
function installWithPluginCommand(sandbox: Sandbox, packageDir = REPO_ROOT): { output: string } {
  const result = spawnSync(OPENCODE_BIN, ["plugin", packageDir], { cwd: sandbox.projectDir, env: sandbox.env, encoding: "utf8", timeout: 60_000 });
  const output = `${result.stdout}\n${result.stderr}`;
  assert.equal(result.status, 0, `opencode plugin failed (${result.signal ?? result.status}):\n${output}`);
  // The new .opencode config dir would otherwise get an npm install (offline: a long wait).
  sandbox.prepareConfigDir(join(sandbox.projectDir, ".opencode"));
  return { output };
}

function readPluginList(file: string): unknown {
  return (JSON.parse(readFileSync(file, "utf8")) as { plugin?: unknown }).plugin;
}

/**
 * This package laid out as npm installs it: a copy under node_modules (OpenCode compiles TUI files
 * there WITHOUT Solid's JSX transform), its dependencies beside it (symlinks to ours).
 */
function installUnderNodeModules(root: string): string {
  const modules = join(root, "install/node_modules");
  const target = join(modules, "opencode-bg");
  mkdirSync(target, { recursive: true });
  for (const entry of ["package.json", "src", "dist"]) cpSync(join(REPO_ROOT, entry), join(target, entry), { recursive: true });
  for (const name of readdirSync(join(REPO_ROOT, "node_modules"))) {
    if (name.startsWith(".") || name === "opencode-bg") continue;
    symlinkSync(join(REPO_ROOT, "node_modules", name), join(modules, name));
  }
  return target;
}

/** Types a first prompt and waits for the fake model's answer: a session is open, the sidebar drawn. */
async function openSession(tui: Tui, prompt: string, answer: string): Promise<string> {
  await tui.waitFor("the TUI's prompt", (screen) => screen.includes("Ask anything"), 60_000);
  await tui.submit(prompt);
  return tui.waitFor(`the model's answer "${answer}"`, (screen) => screen.includes(answer) && screen, 60_000);
}

/** A PATH of symlinks to every program on the current PATH except tmux. */
function pathWithoutTmux(root: string): string {
  const bin = join(root, "bin-without-tmux");
  mkdirSync(bin, { recursive: true });
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir || !existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      if (name === "tmux" || existsSync(join(bin, name))) continue;
      try {
        symlinkSync(join(dir, name), join(bin, name));
      } catch {
        // a dangling or racing entry: irrelevant here
      }
    }
  }
  return bin;
}

/** Runs `body` with a fake model, an OpenCode sandbox and a jobs tmux sandbox; always tears all down. */
async function withTuiSandbox(
  t: TestContext,
  script: ModelScript,
  options: { env?: (root: string) => Record<string, string> },
  body: (ctx: { fake: FakeModel; sandbox: Sandbox; jobs: TmuxSandbox; tui: () => Promise<Tui> }) => Promise<void>,
): Promise<void> {
  assert.ok(existsSync(SERVER_ENTRY), `${SERVER_ENTRY} is missing: run \`npm run build\` first`);
  const fake = await startFakeModel(script);
  const jobs = await createTmuxSandbox("obg-tui-jobs");
  let sandbox: Sandbox | undefined;
  const tuis: Tui[] = [];
  try {
    const base = { OPENCODE_BG_TMUX_SOCKET: jobs.socket, OPENCODE_BG_STATE_DIR: jobs.stateDir };
    sandbox = createSandbox({ modelUrl: fake.url, env: base });
    if (options.env) Object.assign(sandbox.env, options.env(sandbox.root));
    const own = sandbox;
    await body({
      fake,
      sandbox: own,
      jobs,
      tui: async () => {
        const tui = await startTui(own);
        tuis.push(tui);
        return tui;
      },
    });
  } catch (error) {
    if (sandbox) console.error(`--- OpenCode logs (${sandbox.root}) ---\n${sandbox.logs().slice(-20_000)}`);
    throw error;
  } finally {
    for (const tui of tuis) await tui.stop();
    await jobs.cleanup();
    rmSync(socketFile(jobs.socket), { force: true });
    await sandbox?.cleanup();
    await fake.close();
  }
}

// ---- tests --------------------------------------------------------------------------------------

test("opencode plugin <repo> installs both the server and the TUI target", { timeout: 90_000 }, async (t) => {
  await withTuiSandbox(t, [], {}, async ({ sandbox }) => {
    const { output } = installWithPluginCommand(sandbox);
    assert.match(output, /server \+ tui targets/);
    assert.deepEqual(readPluginList(join(sandbox.projectDir, ".opencode/opencode.json")), [REPO_ROOT]);
    assert.deepEqual(readPluginList(join(sandbox.projectDir, ".opencode/tui.json")), [REPO_ROOT]);
  });
});

test("the sidebar lists this session's and the global jobs, running and then ended, and nothing else", { timeout: 240_000 }, async (t) => {
  const script: ModelScript = (req, { turn }) => {
    if (turn === 0) return { text: "first-answer" };
    if (turn === 1) return { toolCalls: [{ name: "createBackgroundProcess", args: { command: "sleep 600", name: "e2e-session-job", tags: ["svc", "x"] } }] };
    return { text: "second-answer" };
  };
  await withTuiSandbox(t, script, {}, async ({ fake, sandbox, jobs, tui: start }) => {
    installWithPluginCommand(sandbox);
    const manager = await jobs.open();
    const tui = await start();
    const t0 = Date.now();
    // A session, so the sidebar is drawn (the home screen has none). No jobs: no section, TUI fine.
    const noJobs = await openSession(tui, "hello there", "first-answer");
    t.diagnostic(`session open ${Date.now() - t0} ms after the TUI started`);
    assert.ok(tuiAlive(noJobs), noJobs);
    assert.doesNotMatch(noJobs, SECTION, "no section without jobs");

    // Jobs that are NOT this sidebar's: another session's, another project's global one.
    await manager.create({ command: "sleep 600", name: "e2e-other-session", scope: "session", sessionId: "ses_someone_else" });
    const otherProject = join(sandbox.root, "other-project");
    mkdirSync(otherProject);
    await manager.create({ command: "sleep 600", name: "e2e-other-project", scope: "global", projectDir: otherProject, cwd: otherProject });
    // A global job of this project: shown in any session.
    const created = Date.now();
    const global = await manager.create({ command: "sleep 600", name: "e2e-global-job", tags: ["web", "dev"], scope: "global", projectDir: sandbox.projectDir });
    assert.equal(global.status, "running");
    const shown = await tui.waitFor("the global job in the section", (screen) => SECTION.test(screen) && rowPattern("e2e-global-job").exec(screen) && screen, 15_000);
    const showLatency = Date.now() - created;
    t.diagnostic(`global job shown ${showLatency} ms after create`);
    assert.match(shown, /• e2e-global-job \d+s · running · #web/);
    assert.ok(!hasRow(shown, "e2e-other-session") && !hasRow(shown, "e2e-other-project"), shown);
    assert.ok(showLatency < 5000, `shown only after ${showLatency} ms`);

    // The runtime column moves on its own (the 1 s clock while a job is shown).
    const firstRuntime = rowPattern("e2e-global-job").exec(shown)?.[1];
    await tui.waitFor("the runtime to advance", (screen) => {
      const now = rowPattern("e2e-global-job").exec(screen)?.[1];
      return now !== undefined && now !== firstRuntime;
    }, 5000);

    // Killed: its row says so and stays (the other two jobs still run but do not belong here).
    const killed = Date.now();
    const [report] = await manager.kill({ ids: [global.id] });
    assert.equal(report?.status, "cancelled");
    const cancelled = endedRow("✗", "e2e-global-job", " · cancelled");
    const gone = await tui.waitFor("the killed job's row", (screen) => SECTION.test(screen) && cancelled.test(screen) && !hasRow(screen, "e2e-global-job") && screen, 15_000);
    t.diagnostic(`cancelled row ${Date.now() - killed} ms after kill (kill itself took part of that)`);
    assert.ok(tuiAlive(gone), gone);
    assert.ok(!hasRow(gone, "e2e-other-session") && !hasRow(gone, "e2e-other-project"), gone);

    // A session job started by the model through the plugin's tool shows in this session's sidebar.
    await tui.submit("start a background process");
    const withSessionJob = await tui.waitFor("the session job in the section", (screen) => SECTION.test(screen) && rowPattern("e2e-session-job").exec(screen) && screen, 60_000);
    assert.match(withSessionJob, /• e2e-session-job \d+s · running · #svc/);
    await tui.waitFor("the model's second answer", (screen) => screen.includes("second-answer"), 60_000);
    assert.equal(fake.toolResults().length, 1);
    assert.match(fake.toolResults()[0]?.content ?? "", /status: running/);
    const sessionJob = await eventually(() => manager.list().find((job) => job.name === "e2e-session-job" && job.status === "running"), 10_000, "the test's manager to see the session job");
    assert.match(sessionJob.sessionId ?? "", /^ses_/);
    await manager.kill({ ids: [sessionJob.id] });
    // Both ended rows, the latest end first.
    const end = await tui.waitFor("the session job's cancelled row", (screen) => endedRow("✗", "e2e-session-job", " · cancelled").test(screen) && !hasRow(screen, "e2e-session-job") && screen, 15_000);
    assert.ok(tuiAlive(end), end);
    assert.ok(end.indexOf("✗ e2e-session-job") < end.indexOf("✗ e2e-global-job"), end);
  });
});

test("without tmux the TUI works and shows no section", { timeout: 180_000 }, async (t) => {
  const script: ModelScript = (req, { turn }) => {
    if (turn === 0) return { toolCalls: [{ name: "createBackgroundProcess", args: { command: "sleep 600", name: "e2e-no-tmux" } }] };
    return { text: "answer-without-tmux" };
  };
  await withTuiSandbox(t, script, { env: (root) => ({ PATH: pathWithoutTmux(root) }) }, async ({ fake, sandbox, tui: start }) => {
    installWithPluginCommand(sandbox);
    const tui = await start();
    const screen = await openSession(tui, "try to start something", "answer-without-tmux");
    // The tool reported the failure to the model; the failed job is not listed; nothing broke.
    assert.match(fake.toolResults()[0]?.content ?? "", /status: failed: could not start: tmux not found/);
    assert.ok(tuiAlive(screen), screen);
    // Give a late status event time to (wrongly) draw the section.
    await sleep(1500);
    const later = tui.screen();
    assert.doesNotMatch(later, SECTION);
    assert.ok(tuiAlive(later), later);
  });
});

test("installed under node_modules (no Solid JSX transform there) the section still follows the jobs", { timeout: 180_000 }, async (t) => {
  await withTuiSandbox(t, [{ text: "nm-answer" }], {}, async ({ sandbox, jobs, tui: start }) => {
    installWithPluginCommand(sandbox, installUnderNodeModules(sandbox.root));
    const manager = await jobs.open();
    const tui = await start();
    const noJobs = await openSession(tui, "hello", "nm-answer");
    assert.doesNotMatch(noJobs, SECTION);
    const job = await manager.create({ command: "sleep 600", name: "e2e-nm-job", tags: ["nm"], scope: "global" });
    const shown = await tui.waitFor("the job in the section", (screen) => SECTION.test(screen) && rowPattern("e2e-nm-job").exec(screen) && screen, 15_000);
    assert.match(shown, /• e2e-nm-job \d+s · running · #nm/);
    await manager.kill({ ids: [job.id] });
    const gone = await tui.waitFor("the job's cancelled row", (screen) => endedRow("✗", "e2e-nm-job", " · cancelled").test(screen) && !hasRow(screen, "e2e-nm-job") && screen, 15_000);
    assert.ok(tuiAlive(gone), gone);
  });
});

test("ended jobs stay with ✓ or ✗ and the exit code, after the running ones, which show their port", { timeout: 180_000 }, async (t) => {
  await withTuiSandbox(t, [{ text: "ends-answer" }], {}, async ({ sandbox, jobs, tui: start }) => {
    installWithPluginCommand(sandbox);
    const manager = await jobs.open();
    const tui = await start();
    await openSession(tui, "hello", "ends-answer");
    const scope = { scope: "global" as const, projectDir: sandbox.projectDir };
    const listener = `node -e "require('http').createServer().listen(0, '127.0.0.1', function () { console.log('port ' + this.address().port) })"`;
    const server = await manager.create({ command: listener, name: "e2e-server", ...scope });
    // One after the other: the test job ends last.
    const built = await manager.create({ command: "echo built", name: "e2e-build", ...scope });
    assert.equal((await manager.waitForStatus(built.id)).status, "completed");
    const tested = await manager.create({ command: "echo failing; exit 3", name: "e2e-test", ...scope });
    assert.equal((await manager.waitForStatus(tested.id)).exitCode, 3);
    const port = await eventually(async () => {
      const line = (await manager.output(server.id)).lines.find((l) => l.text.startsWith("port "));
      return line ? Number(line.text.slice(5)) : undefined;
    }, 15_000, "the listener's port");
    const screen = await tui.waitFor(
      "the server's port and both ended rows",
      (text) => new RegExp(`• e2e-server \\d+s · running · :${port}`).test(text) && endedRow("✓", "e2e-build", "").test(text) && endedRow("✗", "e2e-test", " · exit 3").test(text) && text,
      20_000,
    );
    t.diagnostic(`sidebar: ${screen.split("\n").filter((line) => /[•✓✗] e2e-/.test(line)).map((line) => line.replace(/^.*([•✓✗] e2e-)/, "$1").trim()).join(" | ")}`);
    // Running first; then the ends, the latest first (the test job ended after the build).
    const at = (row: string) => screen.indexOf(row);
    assert.ok(at("• e2e-server") < at("✗ e2e-test") && at("✗ e2e-test") < at("✓ e2e-build"), screen);
    await manager.kill({ ids: [server.id] });
  });
});
