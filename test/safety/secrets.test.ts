// Secrets never reach the disk (issue 8, item 12): OpenCode's environment (provider API keys
// included) gets to a job through a FIFO, never through a file in the job folder; a restart takes
// the restarting process's environment. Real tmux on a private socket.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import { JobStartError } from "../../src/core/errors.js";
import { createTmuxSandbox, eventually, type TmuxSandbox } from "../helpers/tmux-sandbox.js";
import { JobManager } from "../../src/core/manager.js";

let sandbox: TmuxSandbox;
const extraManagers: JobManager[] = [];

/** A manager on the sandbox with its own environment (sandbox.open always uses the sandbox's). */
async function openWithEnv(env: NodeJS.ProcessEnv, instanceId: string): Promise<JobManager> {
  const manager = await JobManager.open({ env, instanceId, config: sandbox.config });
  extraManagers.push(manager);
  return manager;
}

before(async () => {
  sandbox = await createTmuxSandbox("obg-secrets");
});
after(async () => {
  for (const manager of extraManagers) await manager.close();
  await sandbox.cleanup();
});

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** Every file under `dir` (recursively) whose bytes contain `needle`. */
async function filesHolding(dir: string, needle: string): Promise<string[]> {
  const hits: string[] = [];
  const wanted = Buffer.from(needle);
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    const file = path.join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name);
    if (!entry.isFile()) continue;
    const bytes = await fs.readFile(file).catch(() => Buffer.alloc(0));
    if (bytes.includes(wanted)) hits.push(path.relative(dir, file));
  }
  return hits;
}

/** The job prints a hash of the variable, never the variable (output.log is on disk too). */
const hashOf = (name: string) => `printf 'hash-${name}=%s\\n' "$(printf %s "$${name}" | sha256sum | cut -d' ' -f1)"`;

async function hashesPrinted(manager: JobManager, id: string, count = 1): Promise<Map<string, string>[]> {
  const lines = await eventually(async () => {
    const found = (await manager.output(id, { lines: 1000 })).lines.filter((line) => line.text.startsWith("hash-"));
    return found.length >= count ? found : undefined;
  }, 15_000, `${count} hash line(s)`);
  const runs: Map<string, string>[] = [];
  for (const line of lines) {
    const [key, value] = line.text.slice("hash-".length).split("=") as [string, string];
    if (runs.length === 0 || runs.at(-1)!.has(key)) runs.push(new Map());
    runs.at(-1)!.set(key, value);
  }
  return runs;
}

describe("secrets", () => {
  test("secrets: a job sees OpenCode's API key, and no file under the state dir holds it (also after a restart)", async () => {
    const key = `sk-test-${randomBytes(16).toString("hex")}`;
    const restartKey = `sk-test-${randomBytes(16).toString("hex")}`;
    // The instance that creates has `key`; the one that restarts has `restartKey`.
    const creator = await sandbox.open();
    const restarter = await openWithEnv({ ...sandbox.env, OPENAI_API_KEY: restartKey }, "restarter");
    const job = await creator.create({
      command: `${hashOf("OPENAI_API_KEY")}; ${hashOf("CALLER_PORT")}`,
      scope: "global",
      baseEnv: { ...sandbox.env, OPENAI_API_KEY: key },
      env: { CALLER_PORT: "4123" },
    });
    await creator.waitForStatus(job.id, ["completed"], 15_000);
    const [first] = await hashesPrinted(creator, job.id);
    assert.equal(first?.get("OPENAI_API_KEY"), sha256(key), "the job saw OpenCode's key");
    assert.equal(first?.get("CALLER_PORT"), sha256("4123"), "the job saw the caller's env");
    assert.deepEqual(await filesHolding(sandbox.stateDir, key), [], "no file holds OpenCode's key");

    await eventually(() => restarter.has(job.id) && restarter.get(job.id).status === "completed", 10_000, "the restarter sees the job");
    await restarter.restart(job.id);
    await eventually(() => restarter.get(job.id).status === "completed" && restarter.get(job.id).restarts === 1, 15_000, "the restarted run ends");
    const runs = await hashesPrinted(restarter, job.id, 4);
    assert.equal(runs[1]?.get("OPENAI_API_KEY"), sha256(restartKey), "a restart takes the restarting process's environment");
    assert.equal(runs[1]?.get("CALLER_PORT"), sha256("4123"), "a restart keeps the caller's env");
    assert.deepEqual(await filesHolding(sandbox.stateDir, key), [], "no file holds the creator's key after the restart");
    assert.deepEqual(await filesHolding(sandbox.stateDir, restartKey), [], "no file holds the restarter's key");
  });

  test("secrets: an environment larger than a pipe's 64 KiB buffer arrives whole", async () => {
    const manager = await sandbox.open();
    // ~270 KiB in several variables, one of them larger than a pipe buffer on its own (but under
    // the kernel's 128 KiB limit for one environment string).
    const big = randomBytes(80 * 1024).toString("base64");
    const extra = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`FILLER_${i}`, randomBytes(4 * 1024).toString("hex")]));
    const job = await manager.create({
      command: `${hashOf("BIG")}; ${hashOf("FILLER_19")}; printf 'count=%s\\n' "$(env | grep -c '^FILLER_')"`,
      scope: "global",
      baseEnv: { ...sandbox.env, BIG: big, ...extra },
    });
    await manager.waitForStatus(job.id, ["completed"], 15_000);
    const [run] = await hashesPrinted(manager, job.id);
    assert.equal(run?.get("BIG"), sha256(big));
    assert.equal(run?.get("FILLER_19"), sha256(extra.FILLER_19!));
    const lines = (await manager.output(job.id, { lines: 100 })).lines.map((line) => line.text);
    assert.ok(lines.includes("count=20"), lines.join("\n"));
    assert.deepEqual(await filesHolding(sandbox.stateDir, big.slice(0, 64)), []);
  });

  test("secrets: values with newlines, UTF-8, spaces, backslashes and '=' arrive byte for byte", async () => {
    const manager = await sandbox.open();
    const tricky: Record<string, string> = {
      MULTI_LINE: "line one\nline two\n",
      UNICODE: "héllo wörld ✓ 日本",
      SPACES: "  leading and trailing  ",
      BACKSLASH: "a\\b\\n\\\\ $HOME `x` 'q' \"d\"",
      EQUALS: "a=b=c",
      EMPTY: "",
    };
    const job = await manager.create({
      command: Object.keys(tricky).map(hashOf).join("; "),
      scope: "global",
      baseEnv: { ...sandbox.env, ...tricky },
    });
    await manager.waitForStatus(job.id, ["completed"], 15_000);
    const [run] = await hashesPrinted(manager, job.id, Object.keys(tricky).length);
    for (const [name, value] of Object.entries(tricky)) assert.equal(run?.get(name), sha256(value), name);
  });

  test("secrets: a plain env file an older version left in a job folder is removed when a manager opens", async () => {
    const manager = await sandbox.open();
    const job = await manager.create({ command: "true", scope: "global" });
    await manager.waitForStatus(job.id, ["completed"], 15_000);
    const legacy = path.join(sandbox.stateDir, "jobs", job.id, "env");
    await fs.writeFile(legacy, `OPENAI_API_KEY=sk-test-legacy\0`, { mode: 0o600 });
    await sandbox.open({ instanceId: "opens-later" });
    assert.equal(await fs.lstat(legacy).then(() => "still there", () => "gone"), "gone");
  });

  test("secrets: a job whose window never starts leaves no FIFO and no open writer behind", async () => {
    // tmux refuses a socket directory others can write to: the window cannot start.
    const socketParent = path.join(sandbox.stateDir, "unsafe-tmux-dir");
    const socketDir = path.join(socketParent, `tmux-${process.getuid?.() ?? 0}`);
    await fs.mkdir(socketDir, { recursive: true });
    await fs.chmod(socketDir, 0o777);
    const manager = await openWithEnv({ ...sandbox.env, TMUX_TMPDIR: socketParent }, "no-tmux");
    const key = `sk-test-${randomBytes(16).toString("hex")}`;
    const jobs = path.join(sandbox.stateDir, "jobs");
    const before = new Set(await fs.readdir(jobs));
    // create says why and removes its half-made folder (FIFO included).
    await assert.rejects(manager.create({ command: "true", scope: "global", baseEnv: { ...sandbox.env, OPENAI_API_KEY: key } }), JobStartError);
    const added = (await fs.readdir(jobs)).filter((name) => !before.has(name));
    assert.deepEqual(added, [], "no half-made job folder (and so no environment file or FIFO) is left");
    const open: string[] = [];
    for (const fd of await fs.readdir("/proc/self/fd")) {
      const target = await fs.readlink(`/proc/self/fd/${fd}`).catch(() => "");
      if (target.startsWith(jobs) && !before.has(path.relative(jobs, target).split(path.sep)[0] ?? "")) open.push(target);
    }
    assert.deepEqual(open, [], "this process holds nothing of the failed job open");
    assert.deepEqual(await filesHolding(sandbox.stateDir, key), []);
  });
});
