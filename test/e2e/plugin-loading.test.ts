// How OpenCode 1.18.33 finds this plugin, besides by path (proven by the other e2e files):
// by npm name, by ["name", { options }], with options that mirror the OPENCODE_BG_* variables,
// and what an invalid option does. Offline: the package is `npm pack`ed from this checkout and
// installed where OpenCode installs npm plugins, and OpenCode's npm registry is a local spy that
// answers 404 and records every request (so "OpenCode did not try to fetch it" is checked).
//
// What OpenCode 1.18.33 does with a plugin spec that is not a path (read from its bundled source,
// checked with strace and here). It has two plugin loaders, and both look the name up in
// $XDG_CACHE_HOME/opencode/packages/:
// - the server plugin loader (the one that calls server(input, options)): "opencode-bg" becomes
//   "opencode-bg@latest", resolved to packages/opencode-bg@latest/node_modules/opencode-bg. If that
//   directory exists it is used as is (no registry request, no version check); otherwise OpenCode
//   runs an embedded npm install (Arborist, ignoreScripts) of "opencode-bg@latest" into
//   packages/opencode-bg@latest/, with the npm config of its environment (npm_config_registry...);
//   a failure is published as "Failed to install plugin opencode-bg@latest: ...". The entry is the
//   package's exports["./server"] (else `main`), `engines.opencode` is checked, and the default
//   export { id, server } is called as server(input, options). A server() that throws is only
//   logged ("failed to load plugin") and skipped.
// - the new "v2" core plugin loader (internal plugin "config-plugin") takes the same config entry
//   by its bare name: packages/opencode-bg/node_modules/opencode-bg, npm-installing "opencode-bg"
//   there when missing (the same registry request, later in the run), imports it and expects
//   `default: { id, effect }` or `{ id, setup }`. Ours is a v1 plugin: that loader ignores it
//   silently, but it would still fetch the package if it were not there.
// So a user's cache after OpenCode installed the plugin holds it twice; the tests below install
// the packed tarball in both places and check that OpenCode asks the registry for nothing.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { startFakeModel, type FakeModel, type ModelScript } from "../../scripts/e2e/fake-model.js";
import { createSandbox, OPENCODE_BIN, type PluginSpec, type Sandbox } from "../../scripts/e2e/opencode-sandbox.js";
import { JobManager } from "../../src/core/manager.js";
import { PLUGIN_PATH, processIdFrom, REPO_ROOT } from "./plugin-helpers.js";

const PACKAGE = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as {
  name: string;
  exports: Record<string, string>;
};
const execFileAsync = promisify(execFile);
const TOOLS = ["createBackgroundProcess", "getBackgroundProcess", "listBackgroundProcesses", "killProcesses"];

// ---- a local npm registry that fetches nothing ---------------------------------------------------

interface RegistrySpy {
  url: string;
  /** "GET /opencode-bg", ... since the last reset. */
  requests: string[];
  close(): Promise<void>;
}

async function startRegistrySpy(): Promise<RegistrySpy> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: "Not found" }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// ---- the package, installed once the way OpenCode would have installed it ------------------------

let workDir = "";
/** An XDG_CACHE_HOME with the package installed where both OpenCode loaders look for it. */
let installedCache = "";
let registry: RegistrySpy;

/** Where OpenCode 1.18.33's server plugin loader looks for (and installs) the npm plugin "opencode-bg". */
const packageDir = (cacheHome: string) => join(cacheHome, "opencode", "packages", `${PACKAGE.name}@latest`);
/** The same for its v2 core plugin loader (bare name). */
const corePackageDir = (cacheHome: string) => join(cacheHome, "opencode", "packages", PACKAGE.name);

before(async () => {
  assert.ok(existsSync(PLUGIN_PATH), `${PLUGIN_PATH} is missing: run \`npm run build\` first`);
  registry = await startRegistrySpy();
  workDir = mkdtempSync(join(tmpdir(), "obg-load-"));
  const npm = async (args: string[], cwd: string) =>
    (await execFileAsync("npm", args, { cwd, encoding: "utf8", env: npmEnv(), maxBuffer: 16 * 1024 * 1024 })).stdout;
  // The tarball a publish would upload (`files` of package.json). dist/ is already built: skip `prepare`.
  const packed = JSON.parse(await npm(["pack", "--json", "--ignore-scripts", "--pack-destination", workDir], REPO_ROOT)) as { filename: string }[];
  const tarball = join(workDir, packed[0]!.filename);
  installedCache = join(workDir, "cache");
  // What OpenCode's own install does (npm install of the package, scripts ignored), but from the
  // tarball and npm's local cache; the real registry only serves a dependency missing from that cache.
  await Promise.all(
    [packageDir(installedCache), corePackageDir(installedCache)].map(async (target) => {
      mkdirSync(target, { recursive: true });
      await npm(["install", "--prefix", target, "--prefer-offline", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error", tarball], target);
      const installed = join(target, "node_modules", PACKAGE.name);
      assert.ok(statSync(installed).isDirectory(), `npm installed the package as a real directory in ${target}`);
      assert.ok(existsSync(join(installed, PACKAGE.exports["./server"]!)), "the installed package has its server entry");
    }),
  );
});

after(async () => {
  await registry?.close();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

/** This process's env for npm, minus what an enclosing `npm test` exported about its own project. */
function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_(config_(local_prefix|prefix|global)|package_|lifecycle_)/i.test(key)) continue;
    env[key] = value;
  }
  return env;
}

// ---- a private tmux server in a private TMUX_TMPDIR ------------------------------------------------
// Its own TMUX_TMPDIR: even if the plugin ignored its options and used "the default server", that
// server would live in this directory, not in the user's.

interface PrivateTmux {
  tmpdir: string;
  socket: string;
  sessionName: string;
  stateDir: string;
  /** Environment for OpenCode (and so the plugin): TMUX_TMPDIR only. */
  env: Record<string, string>;
  socketExists(name: string): boolean;
  /** Window names of `session` on the server `socket`. */
  windows(socket?: string, session?: string): string[];
  cleanup(): Promise<void>;
}

function createPrivateTmux(label: string): PrivateTmux {
  const dir = mkdtempSync(join(tmpdir(), "obg-tmux-"));
  const socket = `obg-load-${label}-${process.pid}-${randomBytes(3).toString("hex")}`;
  const sessionName = `obg-load-${label}`;
  const stateDir = join(dir, "state");
  const env = { TMUX_TMPDIR: dir };
  const tmuxEnv: NodeJS.ProcessEnv = { ...process.env, TMUX_TMPDIR: dir };
  delete tmuxEnv.TMUX;
  delete tmuxEnv.TMUX_PANE;
  const socketFile = (name: string) => join(dir, `tmux-${process.getuid?.() ?? 0}`, name);
  return {
    tmpdir: dir,
    socket,
    sessionName,
    stateDir,
    env,
    socketExists: (name) => existsSync(socketFile(name)),
    windows(onSocket = socket, session = sessionName) {
      return execFileSync("tmux", ["-L", onSocket, "list-windows", "-t", `=${session}`, "-F", "#{window_name}"], {
        env: tmuxEnv,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      })
        .split("\n")
        .filter(Boolean);
    },
    async cleanup() {
      // End every job tree by its marker before the server goes (global jobs outlive OpenCode).
      if (existsSync(stateDir)) {
        const manager = await JobManager.open({ env: tmuxEnv, config: { tmuxSocket: socket, sessionName, stateDir, killGraceMs: 1000 } }).catch(() => undefined);
        await manager?.kill({ status: ["running", "pending"] }).catch(() => undefined);
        await manager?.close().catch(() => undefined);
      }
      const sockets = (() => {
        try {
          return readdirSync(join(dir, `tmux-${process.getuid?.() ?? 0}`));
        } catch {
          return [];
        }
      })();
      for (const name of sockets) spawnSync("tmux", ["-L", name, "kill-server"], { env: tmuxEnv, stdio: "ignore" });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---- running OpenCode --------------------------------------------------------------------------

interface Run {
  fake: FakeModel;
  opencode: Sandbox;
  tmux: PrivateTmux;
}

/**
 * A fake model, an OpenCode sandbox whose `plugin` list is `plugins` and whose env is exactly the
 * sandbox's plus `env` (no OPENCODE_BG_* unless given), and a private tmux dir. All torn down.
 */
async function withRun(
  label: string,
  script: ModelScript,
  setup: (tmux: PrivateTmux) => { plugins: PluginSpec[]; env?: Record<string, string>; installed?: boolean },
  body: (run: Run) => Promise<void>,
): Promise<void> {
  const tmux = createPrivateTmux(label);
  const fake = await startFakeModel(script);
  const { plugins, env = {}, installed = true } = setup(tmux);
  registry.requests.length = 0;
  const opencode = createSandbox({
    modelUrl: fake.url,
    plugins,
    env: {
      ...tmux.env,
      // Any npm install OpenCode attempts goes to the spy, which fails it at once.
      npm_config_registry: registry.url,
      npm_config_fetch_retries: "0",
      ...(installed ? { XDG_CACHE_HOME: installedCache } : {}),
      ...env,
    },
  });
  try {
    await body({ fake, opencode, tmux });
  } catch (error) {
    console.error(`--- OpenCode logs (${opencode.root}) ---\n${opencode.logs().slice(-20_000)}`);
    throw error;
  } finally {
    await opencode.cleanup();
    await fake.close();
    await tmux.cleanup();
  }
}

const step = (name: string, args: Record<string, unknown>) => ({ toolCalls: [{ name, args }] });
const offeredTools = (fake: FakeModel) =>
  new Set(
    fake.requests.flatMap((req) => (req.tools ?? []).map((t) => String((t as { function?: { name?: string } }).function?.name))),
  );

// ---- by npm name -----------------------------------------------------------------------------------

test('"plugin": ["opencode-bg"] loads the npm-installed package from OpenCode\'s package cache, without a registry request', { timeout: 120_000 }, async () => {
  const script = [
    step("createBackgroundProcess", { command: "echo loaded-by-name; sleep 300", name: "by-name", tags: ["npm"] }),
    step("listBackgroundProcesses", {}),
    { text: "done" },
  ];
  await withRun(
    "name",
    script,
    (tmux) => ({
      plugins: [PACKAGE.name],
      env: { OPENCODE_BG_TMUX_SOCKET: tmux.socket, OPENCODE_BG_SESSION: tmux.sessionName, OPENCODE_BG_STATE_DIR: tmux.stateDir },
    }),
    async ({ fake, opencode, tmux }) => {
      assert.equal(opencode.env.XDG_CACHE_HOME, installedCache);
      const result = await opencode.run("Start a process and list them.", { timeoutMs: 90_000 });
      assert.equal(result.exitCode, 0, result.stderr);
      const [create, list, ...rest] = result.toolUses();
      assert.equal(rest.length, 0);
      assert.equal(create?.tool, "createBackgroundProcess");
      assert.equal(create?.status, "completed", create?.error);
      const id = processIdFrom(create?.output);
      assert.match(create?.output ?? "", /^name: by-name\nstatus: running$/m);
      assert.match(create?.output ?? "", new RegExp(`attach: tmux -L ${tmux.socket} attach-session -t =${tmux.sessionName}:@\\d+`));
      assert.equal(list?.tool, "listBackgroundProcesses");
      assert.equal(list?.status, "completed", list?.error);
      assert.match(list?.output ?? "", new RegExp(`^1 process\\(es\\), 1 running`));
      assert.match(list?.output ?? "", new RegExp(`${id} running \\S+ "by-name" \\[npm\\].*loaded-by-name`));
      for (const tool of TOOLS) assert.ok(offeredTools(fake).has(tool), `the model was offered ${tool}`);
      assert.ok(existsSync(join(tmux.stateDir, "jobs", id, "meta.json")), "the job folder is in OPENCODE_BG_STATE_DIR");
      assert.deepEqual(registry.requests, [], "OpenCode asked the registry for nothing");
      assert.doesNotMatch(opencode.logs(), /failed to load plugin/i);
    },
  );
});

test("without the package in its cache, OpenCode npm-installs opencode-bg@latest (here: from the spy registry, which fails it)", { timeout: 120_000 }, async () => {
  await withRun("missing", [{ text: "nothing" }], () => ({ plugins: [PACKAGE.name], installed: false }), async ({ opencode }) => {
    const cacheHome = opencode.env.XDG_CACHE_HOME!;
    assert.notEqual(cacheHome, installedCache);
    const server = await opencode.serve({ timeoutMs: 60_000 });
    try {
      const errors = server.events
        .filter((e) => e.payload.type === "session.error")
        .map((e) => String((e.payload.properties?.error as { data?: { message?: unknown } } | undefined)?.data?.message ?? ""));
      assert.equal(errors.length, 1, JSON.stringify(errors));
      assert.match(errors[0]!, new RegExp(`^Failed to install plugin ${PACKAGE.name}@latest: .*404`));
      assert.ok(registry.requests.includes(`GET /${PACKAGE.name}`), `the registry was asked for the package: ${JSON.stringify(registry.requests)}`);
      const tools = (await fetch(`${server.url}/experimental/tool/ids?directory=${encodeURIComponent(opencode.projectDir)}`).then((r) => r.json())) as string[];
      assert.ok(tools.includes("bash") && !tools.includes("createBackgroundProcess"), JSON.stringify(tools));
      // The directory it installs into is the one the other tests fill in advance.
      assert.ok(statSync(packageDir(cacheHome)).isDirectory());
      assert.ok(!existsSync(join(packageDir(cacheHome), "node_modules", PACKAGE.name)));
    } finally {
      await server.stop();
    }
  });
});

// ---- by ["name", { options }] ---------------------------------------------------------------------

/** The model starts a global job (it outlives `opencode run`) and lists. */
const optionsScript = (name: string): ModelScript => [
  step("createBackgroundProcess", { command: `echo ${name}-output; sleep 300`, name, global: true }),
  step("listBackgroundProcesses", {}),
  { text: "done" },
];

/** The job of `output` sits on `tmux`'s socket and session, and in its state dir. */
function assertJobOnOptions(output: string | undefined, tmux: PrivateTmux, projectDir: string, name: string): string {
  const id = processIdFrom(output);
  assert.match(output ?? "", new RegExp(`attach: tmux -L ${tmux.socket} attach-session -t =${tmux.sessionName}:@\\d+`));
  assert.match(output ?? "", /^status: running$/m);
  assert.ok(tmux.socketExists(tmux.socket), "the tmux server runs on the tmuxSocket option");
  const windows = tmux.windows();
  assert.ok(windows.includes(`${name}-${id}`), `the window is in the sessionName option's session: ${windows.join(", ")}`);
  const meta = JSON.parse(readFileSync(join(tmux.stateDir, "jobs", id, "meta.json"), "utf8")) as Record<string, unknown>;
  assert.equal(meta.id, id);
  assert.equal(meta.name, name);
  assert.equal(meta.scope, "global");
  assert.equal(meta.projectDir, projectDir);
  assert.ok(existsSync(join(tmux.stateDir, "jobs", id, "output.log")), "the job's log is in the stateDir option's folder");
  return id;
}

test('["opencode-bg", { tmuxSocket, sessionName, stateDir }] with no OPENCODE_BG_* variables: the job lands where the options say', { timeout: 120_000 }, async () => {
  await withRun(
    "opts",
    optionsScript("opt-job"),
    (tmux) => ({ plugins: [[PACKAGE.name, { tmuxSocket: tmux.socket, sessionName: tmux.sessionName, stateDir: tmux.stateDir }]] }),
    async ({ opencode, tmux }) => {
      assert.deepEqual(Object.keys(opencode.env).filter((key) => key.startsWith("OPENCODE_BG_")), []);
      const result = await opencode.run("Start a global process.", { timeoutMs: 90_000 });
      assert.equal(result.exitCode, 0, result.stderr);
      const [create, list] = result.toolUses();
      assert.equal(create?.status, "completed", create?.error);
      const id = assertJobOnOptions(create?.output, tmux, opencode.projectDir, "opt-job");
      assert.match(list?.output ?? "", new RegExp(`${id} running \\S+ "opt-job" global`));
      // Nothing went to the defaults: the default server (in this TMUX_TMPDIR) or $XDG_STATE_HOME/opencode-bg.
      assert.ok(!tmux.socketExists("default"), "no default tmux server was started");
      assert.ok(!existsSync(join(opencode.env.XDG_STATE_HOME!, "opencode-bg", "jobs")), "nothing in the default state dir");
      assert.deepEqual(registry.requests, []);
    },
  );
});

test("options win over the OPENCODE_BG_* variables they mirror", { timeout: 120_000 }, async () => {
  const decoy = { socket: `obg-load-decoy-${process.pid}`, session: "obg-load-decoy" };
  let decoyState = "";
  await withRun(
    "win",
    optionsScript("win-job"),
    (tmux) => {
      decoyState = join(tmux.tmpdir, "decoy-state");
      return {
        plugins: [[PACKAGE.name, { tmuxSocket: tmux.socket, sessionName: tmux.sessionName, stateDir: tmux.stateDir }]],
        env: { OPENCODE_BG_TMUX_SOCKET: decoy.socket, OPENCODE_BG_SESSION: decoy.session, OPENCODE_BG_STATE_DIR: decoyState },
      };
    },
    async ({ opencode, tmux }) => {
      assert.equal(opencode.env.OPENCODE_BG_TMUX_SOCKET, decoy.socket);
      const result = await opencode.run("Start a global process.", { timeoutMs: 90_000 });
      assert.equal(result.exitCode, 0, result.stderr);
      const [create] = result.toolUses();
      assert.equal(create?.status, "completed", create?.error);
      assertJobOnOptions(create?.output, tmux, opencode.projectDir, "win-job");
      assert.ok(!tmux.socketExists(decoy.socket), "the variable's tmux server was never started");
      assert.ok(!existsSync(decoyState), "the variable's state dir was never created");
    },
  );
});

test("an invalid option value: the plugin loads, its tools report the bad option, nothing is started", { timeout: 120_000 }, async () => {
  const script = [
    step("listBackgroundProcesses", {}),
    step("bash", { command: "echo opencode-still-works", description: "Check the shell" }),
    { text: "done" },
  ];
  await withRun(
    "bad",
    script,
    (tmux) => ({ plugins: [[PACKAGE.name, { killGraceMs: "soon", tmuxSocket: tmux.socket, stateDir: tmux.stateDir }]] }),
    async ({ fake, opencode, tmux }) => {
      const result = await opencode.run("List the background processes.", { timeoutMs: 90_000 });
      assert.equal(result.exitCode, 0, result.stderr);
      const [list, bash] = result.toolUses();
      // The plugin still loads; its tools say what is wrong instead of vanishing.
      assert.equal(list?.tool, "listBackgroundProcesses");
      assert.equal(list?.status, "error");
      assert.match(String(list?.error ?? list?.output), /Invalid opencode-bg plugin options: killGraceMs: [^\n]*expected number, received string/);
      assert.equal(bash?.tool, "bash");
      assert.equal(bash?.output?.trim(), "opencode-still-works");
      assert.ok(!existsSync(tmux.stateDir), "the plugin created no state dir");
      assert.ok(!tmux.socketExists(tmux.socket), "the plugin started no tmux server");
      assert.deepEqual(registry.requests, []);
    },
  );
});

// ---- what the modules export ------------------------------------------------------------------

/**
 * OpenCode 1.18.33's checks on a server module: a default export object with `id`/`server` is
 * taken as { id, server } (server a function, no tui beside it); otherwise every export must be a
 * function ("Plugin export is not a function"). Ours must take the first path and nothing else.
 */
test("dist/plugin/server.js exports exactly a default { id, server } (plain Node import)", async () => {
  const mod = (await import(pathToFileURL(PLUGIN_PATH).href)) as Record<string, unknown>;
  assert.deepEqual(Object.keys(mod), ["default"]);
  const plugin = mod.default as Record<string, unknown>;
  assert.equal(typeof plugin, "object");
  assert.deepEqual(Object.keys(plugin).sort(), ["id", "server"]);
  assert.equal(plugin.id, PACKAGE.name);
  assert.equal(typeof plugin.server, "function");
  // package.json points OpenCode's npm loader at that file.
  assert.equal(PACKAGE.exports["./server"], "./dist/plugin/server.js");
});

test("src/plugin/tui.tsx exports exactly a default { id, tui } (imported by OpenCode's own Bun)", () => {
  // OpenCode's binary is Bun 1.3.14: BUN_BE_BUN=1 makes it a plain `bun`, which loads .tsx as OpenCode does.
  const probe = `const mod = await import(${JSON.stringify(join(REPO_ROOT, PACKAGE.exports["./tui"]!))});
const d = mod.default;
console.log(JSON.stringify({ exports: Object.keys(mod), keys: Object.keys(d ?? {}).sort(), id: d?.id, tui: typeof d?.tui }));`;
  const out = execFileSync(OPENCODE_BIN, ["-e", probe], {
    cwd: REPO_ROOT,
    env: { ...process.env, BUN_BE_BUN: "1" },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  assert.deepEqual(JSON.parse(out.trim().split("\n").at(-1)!), { exports: ["default"], keys: ["id", "tui"], id: PACKAGE.name, tui: "function" });
});
