// Runs the BUILT CLI (`node dist/cli/main.js`) against a tmux sandbox, for the cli-*.test.ts
// files: run to the end, insist on success, start a job, list jobs, wait for a status.
import assert from "node:assert/strict";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, promises as fs, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { JobView } from "../../src/core/job/job.js";
import { createTmuxSandbox, eventually, type TmuxSandbox } from "./tmux-sandbox.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CLI = path.join(ROOT, "dist/cli/main.js");
const CLI_TIMEOUT_MS = 30_000;

/** Builds dist/ when any source file is newer than dist/cli/main.js. */
export function buildIfStale(): void {
  const built = existsSync(CLI) ? statSync(CLI).mtimeMs : 0;
  const sources = execFileSync("find", [path.join(ROOT, "src"), "-type", "f", "-newermt", `@${Math.floor(built / 1000)}`], { encoding: "utf8" });
  if (built > 0 && sources.trim() === "") return;
  execFileSync("npm", ["run", "build"], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] });
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunningCli {
  child: ChildProcess;
  readonly stdout: string;
  readonly stderr: string;
  done: Promise<CliResult>;
}

export interface CliRunner {
  start(args: readonly string[]): RunningCli;
  cli(...args: string[]): Promise<CliResult>;
  ok(...args: string[]): Promise<string>;
  runJob(command: string, ...options: string[]): Promise<string>;
  jobs(...args: string[]): Promise<JobView[]>;
  view(id: string): Promise<JobView>;
  untilStatus(id: string, status: JobView["status"], timeoutMs?: number): Promise<JobView>;
  /** `logs` of a job as lines (options before the id, e.g. "-n", "5"). */
  logLines(id: string, ...options: string[]): Promise<string[]>;
  /** The job's log lines once one of them contains `text`. */
  untilOutput(id: string, text: string, timeoutMs?: number): Promise<string[]>;
  /** Kills every CLI process still running (in `after`). */
  stopAll(): void;
}

/** A runner whose environment and working directory are read at each call (set in `before`). */
export function cliRunner(settings: () => { env: NodeJS.ProcessEnv; cwd: string }): CliRunner {
  const children = new Set<ChildProcess>();
  const start = (args: readonly string[]): RunningCli => {
    const { env, cwd } = settings();
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    children.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout?.setEncoding("utf8").on("data", (data: string) => (stdout += data));
    child.stderr?.setEncoding("utf8").on("data", (data: string) => (stderr += data));
    const timer = setTimeout(() => child.kill("SIGKILL"), CLI_TIMEOUT_MS);
    const done = new Promise<CliResult>((resolve, reject) => {
      child.once("error", reject);
      child.once("close", (code) => {
        clearTimeout(timer);
        children.delete(child);
        resolve({ code, stdout, stderr });
      });
    });
    return { child, get stdout() { return stdout; }, get stderr() { return stderr; }, done };
  };
  const cli = (...args: string[]) => start(args).done;
  const ok = async (...args: string[]) => {
    const result = await cli(...args);
    assert.equal(result.code, 0, `opencode-bg ${args.join(" ")} failed (${result.code}): ${result.stderr}`);
    return result.stdout;
  };
  const jobs = async (...args: string[]) => JSON.parse(await ok("ls", "--json", ...args)) as JobView[];
  const view = async (id: string) => {
    const found = (await jobs()).find((job) => job.id === id);
    assert.ok(found, `job ${id} is not listed`);
    return found;
  };
  const logLines = async (id: string, ...options: string[]) => (await ok("logs", ...options, id)).split("\n").slice(0, -1);
  return {
    start,
    cli,
    ok,
    logLines,
    untilOutput: (id, text, timeoutMs = 10_000) =>
      eventually(async () => {
        const lines = await logLines(id);
        return lines.some((line) => line.includes(text)) ? lines : undefined;
      }, timeoutMs, `"${text}" in the output of ${id}`),
    async runJob(command, ...options) {
      const stdout = await ok("run", ...options, "--", command);
      const id = /^id: ([0-9a-z]{8})$/m.exec(stdout)?.[1];
      assert.ok(id, `run printed no id: ${stdout}`);
      return id;
    },
    jobs,
    view,
    untilStatus: async (id, status, timeoutMs = 15_000) => {
      // An ended status: one `wait` (a single CLI process) instead of polling `ls` many times.
      if (status !== "running" && status !== "pending") await cli("wait", id, "--timeout", `${Math.ceil(timeoutMs / 1000)}s`);
      return eventually(async () => {
        const job = await view(id);
        return job.status === status ? job : undefined;
      }, timeoutMs, `job ${id} to be ${status}`);
    },
    stopAll() {
      for (const child of children) child.kill("SIGKILL");
    },
  };
}

/**
 * A tmux sandbox and project dir for a CLI test file, made in `before` and cleaned in `after`
 * (every job the CLI left is killed, tree and all, by the manager cleanup opens).
 */
export function useCliSandbox(prefix: string, hooks: { before: (fn: () => Promise<void>) => void; after: (fn: () => Promise<void>) => void }): CliRunner & { sandbox(): TmuxSandbox; projectDir(): string } {
  let sandbox: TmuxSandbox | undefined;
  let projectDir = "";
  let env: NodeJS.ProcessEnv = {};
  const runner = cliRunner(() => ({ env, cwd: projectDir }));
  hooks.before(async () => {
    buildIfStale();
    sandbox = await createTmuxSandbox(prefix);
    projectDir = await fs.mkdtemp(path.join(sandbox.stateDir, "project-"));
    env = { ...sandbox.env, NO_COLOR: "1" };
    delete env.FORCE_COLOR;
  });
  hooks.after(async () => {
    runner.stopAll();
    if (!sandbox) return;
    const box = sandbox;
    await box.open().catch(() => undefined);
    // tmux 3.3a's kill-server leaves its socket file behind: note where it is, remove it after.
    let socketPath = "";
    try {
      socketPath = box.tmux("display-message", "-p", "#{socket_path}").trim();
    } catch {
      // No server left: nothing to remove.
    }
    await box.cleanup();
    if (socketPath.includes(box.socket)) await fs.rm(socketPath, { force: true });
  });
  return {
    ...runner,
    projectDir: () => projectDir,
    sandbox() {
      assert.ok(sandbox, "the sandbox is made in before()");
      return sandbox;
    },
  };
}
