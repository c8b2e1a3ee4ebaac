// The tui*.test.ts files' harness: the real OpenCode TUI, running in its own private tmux server,
// with opencode-bg installed by `opencode plugin <this repo>`. The screen is read with capture-pane.
// Jobs run on a second private tmux server (the tmux sandbox), created and killed by the test's
// own JobManager or by the model through the plugin's tool.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestContext } from "node:test";
import { startFakeModel, type FakeModel, type ModelScript } from "../../scripts/e2e/fake-model.js";
import { createSandbox, OPENCODE_BIN, type Sandbox } from "../../scripts/e2e/opencode-sandbox.js";
import { createTmuxSandbox, eventually, type TmuxSandbox } from "../helpers/tmux-sandbox.js";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const SERVER_ENTRY = join(REPO_ROOT, "dist/plugin/server.js");
/** tmux by absolute path: the no-tmux test hands child processes a PATH without it. */
export const TMUX_BIN = execFileSync("sh", ["-c", "command -v tmux"], { encoding: "utf8" }).trim();
export const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

/** Where tmux puts a named server's socket; tmux 3.3 leaves the file behind after kill-server. */
export function socketFile(name: string): string {
  return join(process.env.TMUX_TMPDIR || "/tmp", `tmux-${process.getuid?.() ?? 0}`, name);
}

// ---- screen helpers -----------------------------------------------------------------------------

/** The sidebar's section header: "Background" alone at the end of a line (not createBackgroundProcess). */
export const SECTION = /(?:^|\s)Background\s*$/m;
/** A running job's row in the section: "• name 12s · running · #tag"; group 1 is the runtime. */
export function rowPattern(name: string): RegExp {
  return new RegExp(`• ${name} (\\d+[smh][\\dsm]*) · running`);
}
/** Any row of that job (the chat may show the name too, in the tool call, but not after "• "). */
export function hasRow(screen: string, name: string): boolean {
  return screen.includes(`• ${name} `);
}
/** An ended job's row: "✓ name 12s", "✗ name 3s · exit 3", "✗ name 4s · cancelled". */
export function endedRow(mark: "✓" | "✗", name: string, details: string): RegExp {
  return new RegExp(`${mark} ${name} \\d+[smh][\\dsm]*${details}`);
}

export interface Tui {
  screen(): string;
  /** Polls the screen until `check` returns a value; the timeout error shows the last screen. */
  waitFor<T>(what: string, check: (screen: string) => T | undefined | null | false, timeoutMs?: number): Promise<T>;
  /** Types a prompt, waits for it to show, then submits it. */
  submit(text: string): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the OpenCode TUI in a new private tmux server, 160x45, in the sandbox project. */
export async function startTui(sandbox: Sandbox): Promise<Tui> {
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

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The screen is the TUI, not a crash: the prompt's agent/model line is there. */
export function tuiAlive(screen: string): boolean {
  return /Build · Fake/.test(screen);
}

// ---- sandbox helpers ----------------------------------------------------------------------------

/** `opencode plugin <package dir>` in the sandbox project: writes .opencode/opencode.json and tui.json. */
export function installWithPluginCommand(sandbox: Sandbox, packageDir = REPO_ROOT): { output: string } {
  const result = spawnSync(OPENCODE_BIN, ["plugin", packageDir], { cwd: sandbox.projectDir, env: sandbox.env, encoding: "utf8", timeout: 60_000 });
  const output = `${result.stdout}\n${result.stderr}`;
  assert.equal(result.status, 0, `opencode plugin failed (${result.signal ?? result.status}):\n${output}`);
  // The new .opencode config dir would otherwise get an npm install (offline: a long wait).
  sandbox.prepareConfigDir(join(sandbox.projectDir, ".opencode"));
  return { output };
}

export function readPluginList(file: string): unknown {
  return (JSON.parse(readFileSync(file, "utf8")) as { plugin?: unknown }).plugin;
}

/**
 * This package laid out as npm installs it: a copy under node_modules (OpenCode compiles TUI files
 * there WITHOUT Solid's JSX transform), its dependencies beside it (symlinks to ours).
 */
export function installUnderNodeModules(root: string): string {
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
export async function openSession(tui: Tui, prompt: string, answer: string): Promise<string> {
  await tui.waitFor("the TUI's prompt", (screen) => screen.includes("Ask anything"), 60_000);
  await tui.submit(prompt);
  return tui.waitFor(`the model's answer "${answer}"`, (screen) => screen.includes(answer) && screen, 60_000);
}

/** A PATH of symlinks to every program on the current PATH except tmux. */
export function pathWithoutTmux(root: string): string {
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
export async function withTuiSandbox(
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
