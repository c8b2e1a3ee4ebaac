// An isolated, offline OpenCode for end-to-end tests: a temp HOME/XDG tree, a git project,
// a config pointing at the fake model, and helpers to run `opencode run` / `opencode serve`.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createOpencodeClient, type OpencodeClient } from "@opencode-ai/sdk";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
/** The pinned OpenCode CLI (devDependency opencode-ai). */
export const OPENCODE_BIN = join(REPO_ROOT, "node_modules/.bin/opencode");
export const OPENCODE_VERSION = "1.18.33";

export type PluginSpec = string | [string, Record<string, unknown>];

export interface SandboxOptions {
  /** Fake model base URL (FakeModel.url, ending in /v1). */
  modelUrl: string;
  /** Server plugin specs: absolute paths, file:// URLs, or [spec, options]. */
  plugins?: PluginSpec[];
  /** TUI plugin specs, written to the global tui.json. */
  tuiPlugins?: PluginSpec[];
  /** Extra env for OpenCode (and so for plugins), e.g. OPENCODE_BG_TMUX_SOCKET. */
  env?: Record<string, string>;
  /** Replaces the default `{ "*": "allow" }`. */
  permission?: unknown;
  /** Merged over the generated opencode.json (shallow). */
  config?: Record<string, unknown>;
}

export interface RunResult {
  events: OpencodeEvent[];
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  durationMs: number;
  stdout: string;
  stderr: string;
  /** The tool parts of `tool_use` events. */
  toolUses(): ToolUse[];
  /** Session id reported by the events (for `run(..., { sessionId })`). */
  sessionId(): string | undefined;
}

export type OpencodeEvent = { type: string; sessionID?: string; part?: Record<string, unknown>; [key: string]: unknown };
export type ToolUse = {
  tool: string;
  callID: string;
  status: string;
  input: unknown;
  output: string | undefined;
  error: string | undefined;
};

/** One event of `GET /global/event`: a bus event tagged with the instance it came from. */
export type GlobalEvent = {
  directory?: string;
  project?: string;
  payload: { id?: string; type: string; properties?: Record<string, unknown> };
};

export interface ServeHandle {
  url: string;
  /** v1 SDK client bound to the sandbox project directory. */
  client: OpencodeClient;
  /** Every global event since before the project instance booted (plugin load errors included). */
  events: GlobalEvent[];
  /** Resolves with the first event (past or future) matching `predicate`; rejects on timeout. */
  waitForEvent(predicate: (event: GlobalEvent) => boolean, timeoutMs?: number): Promise<GlobalEvent>;
  /** Messages of "Failed to load plugin ..." errors (bad import/syntax; NOT a throwing server()). */
  pluginErrors(): string[];
  stop(): Promise<void>;
  /** SIGKILLs it (and its process group) with no chance to clean up, as a crash or `kill -9` would. */
  crash(): Promise<void>;
  stdout(): string;
  stderr(): string;
}

export interface Sandbox {
  root: string;
  home: string;
  /** The git project OpenCode runs in (its cwd). */
  projectDir: string;
  /** $XDG_CONFIG_HOME/opencode: global config dir holding opencode.json. */
  configDir: string;
  /** $XDG_DATA_HOME/opencode: sessions db, logs. */
  dataDir: string;
  /** Full environment OpenCode runs with. */
  env: NodeJS.ProcessEnv;
  run(prompt: string, opts?: { timeoutMs?: number; sessionId?: string; args?: string[] }): Promise<RunResult>;
  serve(opts?: { timeoutMs?: number; args?: string[] }): Promise<ServeHandle>;
  /** Creates `dir` as an OpenCode config dir that needs no npm install (e.g. project/.opencode). */
  prepareConfigDir(dir: string): void;
  /** Text of OpenCode's log files (newest last), for debugging failures. */
  logs(): string;
  cleanup(): Promise<void>;
}

/** Writes package.json + package-lock.json + node_modules/ so OpenCode skips its npm install. */
export function prepareConfigDir(dir: string): void {
  mkdirSync(join(dir, "node_modules"), { recursive: true });
  const deps = { "@opencode-ai/plugin": OPENCODE_VERSION };
  writeFileSync(join(dir, "package.json"), JSON.stringify({ dependencies: deps }, null, 2));
  writeFileSync(
    join(dir, "package-lock.json"),
    JSON.stringify({ lockfileVersion: 3, requires: true, packages: { "": { dependencies: deps } } }, null, 2),
  );
}

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

/** Returns a TCP port on 127.0.0.1 that was free a moment ago (the OS's pick). */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const server = createServer();
    server.once("error", rej);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? res(address.port) : rej(new Error("no port"))));
    });
  });
}

/** Parses one JSON object per line, skipping anything that is not one. */
export function parseJsonLines(text: string): OpencodeEvent[] {
  const events: OpencodeEvent[] = [];
  for (const line of text.split("\n")) {
    const trimmed = line.trim();
    if (!trimmed.startsWith("{")) continue;
    try {
      const value: unknown = JSON.parse(trimmed);
      if (value && typeof value === "object" && typeof (value as { type?: unknown }).type === "string") {
        events.push(value as OpencodeEvent);
      }
    } catch {
      // not JSON: a log line or a partial write
    }
  }
  return events;
}

function toolUsesOf(events: OpencodeEvent[]): ToolUse[] {
  return events
    .filter((e) => e.type === "tool_use" && e.part)
    .map((e) => {
      const part = e.part as { tool?: string; callID?: string; state?: Record<string, unknown> };
      const state = part.state ?? {};
      return {
        tool: String(part.tool ?? ""),
        callID: String(part.callID ?? ""),
        status: String(state.status ?? ""),
        input: state.input,
        output: typeof state.output === "string" ? state.output : undefined,
        error: typeof state.error === "string" ? state.error : undefined,
      };
    });
}

/** Reads the server's `/global/event` SSE stream into an array until closed. */
async function subscribeGlobalEvents(url: string) {
  const events: GlobalEvent[] = [];
  const waiters = new Set<{ predicate: (e: GlobalEvent) => boolean; resolve: (e: GlobalEvent) => void }>();
  const abort = new AbortController();
  const res = await fetch(`${url}/global/event`, { signal: abort.signal, headers: { accept: "text/event-stream" } });
  if (!res.ok || !res.body) throw new Error(`GET /global/event answered ${res.status}`);
  const push = (event: GlobalEvent) => {
    events.push(event);
    for (const waiter of waiters) {
      if (waiter.predicate(event)) {
        waiters.delete(waiter);
        waiter.resolve(event);
      }
    }
  };
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = "";
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const data = buffer
          .slice(0, end)
          .split("\n")
          .filter((line) => line.startsWith("data:"))
          .map((line) => line.slice(5).trim())
          .join("\n");
        buffer = buffer.slice(end + 2);
        try {
          const value = JSON.parse(data) as GlobalEvent;
          if (value?.payload?.type) push(value);
        } catch {
          // keep-alive comment or partial data
        }
      }
    }
  })().catch(() => {}); // aborted on close, or the server died

  const waitFor = (predicate: (e: GlobalEvent) => boolean, timeoutMs = 30_000): Promise<GlobalEvent> => {
    const existing = events.find(predicate);
    if (existing) return Promise.resolve(existing);
    return new Promise((resolve, reject) => {
      const waiter = {
        predicate,
        resolve: (e: GlobalEvent) => {
          clearTimeout(timer);
          resolve(e);
        },
      };
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`no matching OpenCode event within ${timeoutMs} ms (${events.length} seen)`));
      }, timeoutMs);
      waiters.add(waiter);
    });
  };
  return { events, waitFor, close: () => abort.abort() };
}

/** Env vars that would leak the caller's OpenCode or tmux session into the sandbox. */
function inheritedEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith("OPENCODE") || key.startsWith("TMUX") || key.startsWith("XDG_")) continue;
    env[key] = value;
  }
  return env;
}

// Every OpenCode process any sandbox started and that still runs. If the test process exits
// without cleanup (a failed assertion before `finally`, a test timeout) they are killed on exit;
// a SIGKILLed test process still leaves them behind.
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  live.add(child);
  child.once("exit", () => live.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const c of live) {
      try {
        process.kill(-c.pid!, "SIGKILL");
      } catch {
        // already gone
      }
    }
  });
}

/** Kills a process group we spawned (detached), then waits for the leader to exit. graceMs 0: SIGKILL at once. */
async function killGroup(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((res) => child.once("exit", () => res()));
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      // group already gone
    }
  };
  signal(graceMs === 0 ? "SIGKILL" : "SIGTERM");
  const timer = setTimeout(() => signal("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
  signal("SIGKILL"); // stragglers left in the group after the leader exited
}

/** Builds an isolated OpenCode sandbox in a new temp dir. */
export function createSandbox(options: SandboxOptions): Sandbox {
  const root = mkdtempSync(join(tmpdir(), "ocbg-e2e-"));
  const home = join(root, "home");
  const xdg = { config: join(root, "xdg/config"), data: join(root, "xdg/data"), cache: join(root, "xdg/cache"), state: join(root, "xdg/state") };
  const projectDir = join(root, "project");
  const configDir = join(xdg.config, "opencode");
  const dataDir = join(xdg.data, "opencode");
  for (const dir of [home, ...Object.values(xdg), projectDir]) mkdirSync(dir, { recursive: true });

  // A commit gives the project a real id (OpenCode uses the root commit; else "global").
  writeFileSync(join(projectDir, "README.md"), "sandbox project\n");
  const git = (...args: string[]) =>
    spawnSync("git", ["-c", "user.name=e2e", "-c", "user.email=e2e@example.invalid", "-c", "commit.gpgsign=false", ...args], {
      cwd: projectDir,
      stdio: "ignore",
      env: { PATH: process.env.PATH, HOME: home },
    });
  git("init", "-q");
  git("add", "README.md");
  git("commit", "-q", "-m", "sandbox");

  prepareConfigDir(configDir);
  const config = {
    $schema: "https://opencode.ai/config.json",
    enabled_providers: ["fake"],
    model: "fake/fake-model",
    small_model: "fake/fake-model",
    provider: {
      fake: {
        npm: "@ai-sdk/openai-compatible",
        name: "Fake",
        options: { baseURL: options.modelUrl, apiKey: "x" },
        models: { "fake-model": { name: "Fake", tool_call: true, limit: { context: 128000, output: 4096 } } },
      },
    },
    permission: options.permission ?? { "*": "allow" },
    plugin: options.plugins ?? [],
    autoupdate: false,
    share: "disabled",
    ...options.config,
  };
  writeFileSync(join(configDir, "opencode.json"), JSON.stringify(config, null, 2));
  if (options.tuiPlugins) {
    writeFileSync(join(configDir, "tui.json"), JSON.stringify({ plugin: options.tuiPlugins }, null, 2));
  }

  const env: NodeJS.ProcessEnv = {
    ...inheritedEnv(),
    // OpenCode takes its directory from $PWD before cwd: an inherited PWD would run the
    // session in the caller's checkout.
    PWD: projectDir,
    HOME: home,
    XDG_CONFIG_HOME: xdg.config,
    XDG_DATA_HOME: xdg.data,
    XDG_CACHE_HOME: xdg.cache,
    XDG_STATE_HOME: xdg.state,
    OPENCODE_DISABLE_MODELS_FETCH: "1",
    OPENCODE_DISABLE_AUTOUPDATE: "1",
    OPENCODE_DISABLE_SHARE: "1",
    OPENCODE_DISABLE_LSP_DOWNLOAD: "1",
    OPENCODE_DISABLE_EXTERNAL_SKILLS: "1",
    OPENCODE_DISABLE_CLAUDE_CODE: "1",
    OPENCODE_DISABLE_DEFAULT_PLUGINS: "1",
    ...options.env,
  };

  const children = new Set<ChildProcess>();
  const start = (args: string[], stdin?: string) => {
    const child = spawn(OPENCODE_BIN, args, { cwd: projectDir, env, detached: true, stdio: ["pipe", "pipe", "pipe"] });
    child.stdin!.on("error", () => {}); // EPIPE if it exits before reading
    child.stdin!.end(stdin ?? "");
    children.add(child);
    child.once("exit", () => children.delete(child));
    track(child);
    let stdout = "";
    let stderr = "";
    child.stdout!.setEncoding("utf8").on("data", (s: string) => (stdout += s));
    child.stderr!.setEncoding("utf8").on("data", (s: string) => (stderr += s));
    return { child, stdout: () => stdout, stderr: () => stderr };
  };

  const sandbox: Sandbox = {
    root,
    home,
    projectDir,
    configDir,
    dataDir,
    env,
    prepareConfigDir,

    async run(prompt, opts = {}) {
      const args = ["run", "--format", "json", ...(opts.sessionId ? ["--session", opts.sessionId] : []), ...(opts.args ?? [])];
      const started = Date.now();
      // The prompt goes through stdin: as an argument, `opencode run` wraps text containing
      // spaces in double quotes before sending it to the model.
      const proc = start(args, prompt);
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        void killGroup(proc.child);
      }, opts.timeoutMs ?? 60_000);
      const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((res) =>
        proc.child.once("close", (code, sig) => res([code, sig])),
      );
      clearTimeout(timer);
      const events = parseJsonLines(proc.stdout());
      return {
        events,
        exitCode,
        signal,
        timedOut,
        durationMs: Date.now() - started,
        stdout: proc.stdout(),
        stderr: proc.stderr(),
        toolUses: () => toolUsesOf(events),
        sessionId: () => events.find((e) => typeof e.sessionID === "string")?.sessionID,
      };
    },

    async serve(opts = {}) {
      // Not --port 0: OpenCode reads it as "4096 if free", so back-to-back servers share an
      // origin and Node's fetch reuses a dead keep-alive socket (ECONNRESET).
      const port = await freePort();
      const proc = start(["serve", "--port", String(port), "--hostname", "127.0.0.1", ...(opts.args ?? [])]);
      const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
      const fail = async (why: string): Promise<never> => {
        await killGroup(proc.child);
        throw new Error(`opencode serve ${why}\nstdout: ${proc.stdout()}\nstderr: ${proc.stderr()}`);
      };
      let url: string | undefined;
      while (!url) {
        url = /listening on (http:\/\/[\w.:]+)/.exec(proc.stdout())?.[1];
        if (proc.child.exitCode !== null) await fail(`exited with ${proc.child.exitCode}`);
        if (Date.now() > deadline) await fail("never printed its address");
        await sleep(50);
      }
      // Bound each probe: a request that reaches the server too early can hang.
      while (!(await fetch(`${url}/global/health`, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false))) {
        if (proc.child.exitCode !== null) await fail(`exited with ${proc.child.exitCode}`);
        if (Date.now() > deadline) await fail(`did not answer on ${url}`);
        await sleep(100);
      }
      // Subscribe before the project instance boots: plugin import errors are published once,
      // at boot, as a session.error event without a session.
      const stream = await subscribeGlobalEvents(url).catch((error: unknown) =>
        fail(`event stream failed: ${String(error)} (${String((error as Error).cause)})`),
      );
      const closeAll = async () => {
        stream.close();
        await killGroup(proc.child);
      };
      try {
        await stream.waitFor((e) => e.payload.type === "server.connected", Math.max(1000, deadline - Date.now()));
        // Any directory-scoped request boots the instance and loads the plugins.
        const boot = await fetch(`${url}/config?directory=${encodeURIComponent(projectDir)}`, {
          signal: AbortSignal.timeout(Math.max(1000, deadline - Date.now())),
        });
        if (!boot.ok) throw new Error(`GET /config answered ${boot.status}`);
        // Plugins finish loading in the background after that; listing tools waits for them.
        const tools = await fetch(`${url}/experimental/tool/ids?directory=${encodeURIComponent(projectDir)}`, {
          signal: AbortSignal.timeout(Math.max(1000, deadline - Date.now())),
        });
        if (!tools.ok) throw new Error(`GET /experimental/tool/ids answered ${tools.status}`);
      } catch (error) {
        await closeAll();
        throw new Error(`opencode serve did not boot the project: ${String(error)}\nstderr: ${proc.stderr()}`);
      }
      return {
        url,
        client: createOpencodeClient({ baseUrl: url, directory: projectDir }),
        events: stream.events,
        waitForEvent: stream.waitFor,
        pluginErrors: () =>
          stream.events
            .filter((e) => e.payload.type === "session.error")
            .map((e) => String((e.payload.properties?.error as { data?: { message?: unknown } } | undefined)?.data?.message ?? ""))
            .filter((message) => message.startsWith("Failed to load plugin")),
        stop: closeAll,
        crash: async () => {
          stream.close();
          await killGroup(proc.child, 0);
        },
        stdout: proc.stdout,
        stderr: proc.stderr,
      };
    },

    logs() {
      const logDir = join(dataDir, "log");
      let files: string[];
      try {
        files = readdirSync(logDir).filter((f) => f.endsWith(".log")).sort();
      } catch {
        return "";
      }
      return files.map((f) => `==> ${f} <==\n${readFileSync(join(logDir, f), "utf8")}`).join("\n");
    },

    async cleanup() {
      await Promise.all([...children].map((child) => killGroup(child)));
      rmSync(root, { recursive: true, force: true });
    },
  };
  return sandbox;
}
