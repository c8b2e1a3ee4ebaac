// The route for a tarball before publishing (issue 9, item 4, README "From a tarball"): `npm pack`
// this checkout, `npm install -g` the tarball as a user would (here into a private global prefix;
// scripts on, dependencies from the registry or npm's cache), then `opencode plugin
// "$(npm root -g)/opencode-bg"`. Proves the tarball carries everything its
// entry points need (`files` of package.json), the CLI runs from it, OpenCode loads its server
// plugin (the tools work) and its TUI plugin (the sidebar shows a job).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { startFakeModel } from "../../scripts/e2e/fake-model.js";
import { createSandbox, OPENCODE_BIN, type Sandbox } from "../../scripts/e2e/opencode-sandbox.js";
import { createTmuxSandbox, eventually } from "../helpers/tmux-sandbox.js";
import { PLUGIN_PATH, processIdFrom, REPO_ROOT } from "./plugin-helpers.js";

const PACKAGE = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as {
  name: string;
  version: string;
  exports: Record<string, string | Record<string, string>>;
  bin: Record<string, string>;
  main: string;
};
const execFileAsync = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let workDir = "";
/** The package as `npm install -g <tarball>` laid it out, and the CLI it linked. */
let installed = "";
let installedBin = "";
let installOutput = "";

/** This process's env for npm, minus what an enclosing `npm test` exported about its own project. */
function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_(config_|package_|lifecycle_)/i.test(key)) continue;
    env[key] = value;
  }
  return env;
}

before(async () => {
  assert.ok(existsSync(PLUGIN_PATH), `${PLUGIN_PATH} is missing: run \`npm run build\` first`);
  workDir = mkdtempSync(join(tmpdir(), "obg-packed-"));
  // dist/ is already built (npm test builds first): skip `prepare`, which would build it again.
  const packed = await execFileAsync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", workDir], { cwd: REPO_ROOT, env: npmEnv(), encoding: "utf8" });
  const tarball = join(workDir, (JSON.parse(packed.stdout) as { filename: string }[])[0]!.filename);
  const prefix = join(workDir, "install");
  mkdirSync(prefix);
  const result = await execFileAsync("npm", ["install", "--global", "--prefix", prefix, "--prefer-offline", "--no-audit", "--no-fund", tarball], {
    cwd: prefix,
    env: npmEnv(),
    encoding: "utf8",
    maxBuffer: 16 * 1024 * 1024,
  });
  installOutput = `${result.stdout}${result.stderr}`;
  installed = join(prefix, "lib", "node_modules", PACKAGE.name);
  installedBin = join(prefix, "bin", "opencode-bg");
});

after(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

test("the installed tarball has every file its entry points need, and its CLI runs", () => {
  const exported = Object.values(PACKAGE.exports).flatMap((target) => (typeof target === "string" ? [target] : Object.values(target)));
  for (const entry of [...exported, ...Object.values(PACKAGE.bin), PACKAGE.main]) {
    assert.ok(existsSync(join(installed, entry)), `${entry} is in the tarball`);
  }
  // The wrapper script is read at run time from beside the built code.
  assert.ok(existsSync(join(installed, "dist/core/launch/wrapper.sh")), "dist/core/launch/wrapper.sh is in the tarball");
  assert.equal(execFileSync(installedBin, ["--version"], { encoding: "utf8" }).trim(), PACKAGE.version);
  assert.match(execFileSync(installedBin, ["--help"], { encoding: "utf8" }), /^ {2}purge /m);
  assert.doesNotMatch(installOutput, /npm error/i, installOutput);
});

test("opencode plugin <installed package>: the server tools work and the TUI sidebar shows the job", { timeout: 240_000 }, async () => {
  const jobs = await createTmuxSandbox("obg-packed");
  const fake = await startFakeModel([
    { toolCalls: [{ name: "createBackgroundProcess", args: { command: "echo packed-output; sleep 300", name: "packed-job", tags: ["tgz"], global: true } }] },
    { toolCalls: [{ name: "listBackgroundProcesses", args: {} }] },
    { text: "done" },
    { text: "packed-tui-answer" },
  ]);
  const opencode = createSandbox({ modelUrl: fake.url, env: { OPENCODE_BG_TMUX_SOCKET: jobs.socket, OPENCODE_BG_STATE_DIR: jobs.stateDir } });
  const tuiSocket = `obg-packed-tui-${process.pid}-${randomBytes(3).toString("hex")}`;
  try {
    const plugin = spawnSync(OPENCODE_BIN, ["plugin", installed], { cwd: opencode.projectDir, env: opencode.env, encoding: "utf8", timeout: 60_000 });
    assert.equal(plugin.status, 0, `${plugin.stdout}\n${plugin.stderr}`);
    assert.match(`${plugin.stdout}\n${plugin.stderr}`, /server \+ tui targets/);
    for (const file of ["opencode.json", "tui.json"]) {
      const config = JSON.parse(readFileSync(join(opencode.projectDir, ".opencode", file), "utf8")) as { plugin?: unknown };
      assert.deepEqual(config.plugin, [installed], `.opencode/${file} lists the installed package`);
    }
    opencode.prepareConfigDir(join(opencode.projectDir, ".opencode"));

    // Server plugin: the model starts a global job and lists it.
    const result = await opencode.run("Start a process and list them.", { timeoutMs: 90_000 });
    assert.equal(result.exitCode, 0, result.stderr);
    const [create, list] = result.toolUses();
    assert.equal(create?.status, "completed", create?.error);
    const id = processIdFrom(create?.output);
    assert.match(list?.output ?? "", new RegExp(`${id} running \\S+ "packed-job" \\[tgz\\] global`));

    // TUI plugin: the sidebar of a session in this project shows the global job.
    await showsSidebarRow(opencode, tuiSocket, "packed-job");
  } catch (error) {
    const logs = opencode.logs();
    console.error(`--- OpenCode logs (${opencode.root}), TUI and plugin lines ---\n${logs.split("\n").filter((line) => /tui|plugin|error/i.test(line)).join("\n").slice(-20_000)}`);
    throw error;
  } finally {
    spawnSync("tmux", ["-L", tuiSocket, "kill-server"], { stdio: "ignore" });
    rmSync(join(process.env.TMUX_TMPDIR || "/tmp", `tmux-${process.getuid?.() ?? 0}`, tuiSocket), { force: true });
    await sleep(500); // SIGHUP ends the TUI; let it go before its sandbox is deleted.
    await jobs.open().catch(() => undefined); // so cleanup kills the global job's tree
    await jobs.cleanup();
    await opencode.cleanup();
    await fake.close();
  }
});

/** Starts the TUI in a private tmux server, opens a session and waits for the job's sidebar row. */
async function showsSidebarRow(opencode: Sandbox, socket: string, jobName: string): Promise<void> {
  const tmux = (...args: string[]) => execFileSync("tmux", ["-L", socket, "-f", "/dev/null", ...args], { env: opencode.env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  tmux("new-session", "-d", "-s", "tui", "-x", "160", "-y", "45", "-c", opencode.projectDir, OPENCODE_BIN);
  const screen = () => tmux("capture-pane", "-p", "-t", "tui");
  let last = "";
  const waitFor = (what: string, check: (text: string) => boolean, timeoutMs = 60_000) =>
    eventually(() => {
      last = screen();
      return check(last) ? last : undefined;
    }, timeoutMs, `${what} on the TUI screen`).catch((error: unknown) => {
      throw new Error(`${String(error)}; screen:\n${last}`);
    });
  await waitFor("the prompt", (text) => text.includes("Ask anything"));
  tmux("send-keys", "-t", "tui", "-l", "hello from the tarball");
  await waitFor("the typed prompt", (text) => text.includes("hello from the tarball"));
  tmux("send-keys", "-t", "tui", "Enter");
  await waitFor("the model's answer", (text) => text.includes("packed-tui-answer"));
  const shown = await waitFor("the job's row in the Background section", (text) => /(?:^|\s)Background\s*$/m.test(text) && text.includes(`• ${jobName} `), 30_000);
  assert.match(shown, new RegExp(`• ${jobName} \\d+[smh]\\S* · running · #tgz`));
}
