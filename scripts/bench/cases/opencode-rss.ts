// Figure: how much the real OpenCode 1.18.33's RSS grows while one of our jobs prints 50 MB
// (20 MB with --quick). OpenCode grows by itself in every model turn (measured +196 to +279 MB
// in a turn whose job printed nothing), so the flood comes with no turn around it: the scripted
// model starts the job in its first turn, the job waits for a go file, OpenCode's RSS is left to
// settle, then the job floods and OpenCode (our plugin's tailer) reads it all. Growth = the peak
// during the flood and 2 s after it, less the settled RSS before. Baseline: the original's way
// in its own OpenCode (original-notify-plugin.ts with keepOutput: a piped child whose lines are
// all kept in memory, as the original kept every process's output).
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startFakeModel, type ChatRequest, type ModelStep } from "../../e2e/fake-model.js";
import { createSandbox, OPENCODE_BIN, type PluginSpec } from "../../e2e/opencode-sandbox.js";
import { createTmuxSandbox } from "../../../test/helpers/tmux-sandbox.js";
import { sleep, withTimeout, type BenchContext } from "../context.js";
import { atMost, figure, type Figure } from "../figure.js";
import { floodCommand } from "../flood-run.js";
import { processesWithEnv, rssOf } from "../procfs.js";
import { roundTo } from "../stats.js";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const PLUGIN = path.join(REPO, "src/plugin/server.ts");
const ORIGINAL = path.join(REPO, "scripts/bench/original-notify-plugin.ts");
const MB = 1024 * 1024;
/** The last line the flood prints; its arrival in a file says the flood is over. */
const DONE = "OBG-BENCH-FLOOD-DONE";
/** The issue's figure for the original plugin and 50 MB, printed beside ours. */
const ORIGINAL_REFERENCE_MB = 161;

interface RssRun {
  before: number;
  peak: number;
  after: number;
  floodSeconds: number;
}

export async function measureOpencodeRss(ctx: BenchContext): Promise<Figure[]> {
  const title = "real OpenCode's RSS growth while a job prints 50 MB (no model turn during the flood)";
  if (!existsSync(OPENCODE_BIN)) return [figure({ id: "opencode.rss", title, unit: "MB", value: { skipped: "opencode-ai not installed" }, baseline: null, target: "growth <= 16 MB", met: null })];
  const bytes = (ctx.quick ? 20 : 50) * 1_000_000;
  ctx.log(`opencode-rss: ours, ${bytes / 1_000_000} MB`);
  const ours = await floodThrough(bytes, [PLUGIN, {}], "createBackgroundProcess", (command) => ({ command, name: "bench-rss" }));
  ctx.log("opencode-rss: the original's way (piped child, every line kept)");
  let original: RssRun | undefined;
  let originalError: string | undefined;
  try {
    original = await floodThrough(bytes, [ORIGINAL, { keepOutput: true }], "startPiped", (command) => ({ command }));
  } catch (error) {
    originalError = String(error).split("\n")[0];
  }
  const growth = (run: RssRun) => roundTo((run.peak - run.before) / MB, 1);
  const side = (run: RssRun) => ({ growth: growth(run), endGrowth: roundTo((run.after - run.before) / MB, 1), rssBefore: roundTo(run.before / MB, 1), floodSeconds: roundTo(run.floodSeconds, 1) });
  return [
    figure({
      id: "opencode.rss",
      title,
      unit: "MB",
      value: side(ours),
      baseline: original
        ? { ...side(original), what: "original's way (piped child, every line kept) in its own OpenCode", issueFigure: ORIGINAL_REFERENCE_MB }
        : { growth: ORIGINAL_REFERENCE_MB, what: `the issue's figure (not measured: ${originalError})` },
      target: "growth <= 16 MB",
      met: atMost(growth(ours), 16),
      notes: [
        `${bytes / 1_000_000} MB in 100-byte lines; OpenCode's RSS from /proc every 100 ms; before = settled after the job's turn, growth = peak - before, endGrowth = 2 s after the flood`,
        "one run each in a fresh OpenCode; OpenCode's own growth between turns is not in it (no turn runs during the flood)",
      ],
    }),
  ];
}

/** One fresh OpenCode; its first turn starts `command` (waiting for a go file) as a job of `plugin`; then the flood. */
async function floodThrough(bytes: number, plugin: PluginSpec, toolName: string, args: (command: string) => Record<string, unknown>): Promise<RssRun> {
  const jobs = await createTmuxSandbox("obg-bench-rss");
  const go = path.join(jobs.stateDir, "go");
  const done = path.join(jobs.stateDir, "flood-done");
  // Paths of our own temp dir (no quotes in them), not user input.
  const command = `while [ ! -e '${go}' ]; do sleep 0.05; done; ${floodCommand(bytes)}; echo ${DONE}; : > '${done}'; sleep 600`;
  const script = (_req: ChatRequest, { turn }: { turn: number }): ModelStep =>
    turn === 0 ? { toolCalls: [{ name: toolName, args: args(command) }] } : { text: "started" };
  const fake = await startFakeModel(script);
  const opencode = createSandbox({ modelUrl: fake.url, plugins: [plugin], env: { OPENCODE_BG_TMUX_SOCKET: jobs.socket, OPENCODE_BG_STATE_DIR: jobs.stateDir } });
  try {
    const server = await opencode.serve({ timeoutMs: 60_000 });
    try {
      const session = await server.client.session.create({ body: {} });
      const id = session.data?.id;
      if (!id) throw new Error("OpenCode created no session");
      await server.client.session.promptAsync({ path: { id }, body: { parts: [{ type: "text", text: "start the flood job" }] } });
      await withTimeout(fake.waitForRequest((req) => req.messages.some((message) => message.role === "tool"), 60_000), 61_000, "the job's turn");
      const pid = await opencodePid(jobs.stateDir);
      if (!pid) throw new Error("could not find the OpenCode process");
      const before = await settledRss(pid);
      let peak = before;
      const start = Date.now();
      writeFileSync(go, "");
      while (!existsSync(done)) {
        if (Date.now() - start > 240_000) throw new Error("the flood did not end within 240 s");
        await sleep(100);
        peak = Math.max(peak, rssOf(pid) ?? 0);
      }
      const floodSeconds = (Date.now() - start) / 1000;
      // The tailer reads the last of it a moment later.
      for (let index = 0; index < 20; index++) {
        await sleep(100);
        peak = Math.max(peak, rssOf(pid) ?? 0);
      }
      return { before, peak, after: rssOf(pid) ?? 0, floodSeconds };
    } finally {
      await server.stop();
    }
  } finally {
    await opencode.cleanup();
    await fake.close();
    await jobs.cleanup();
  }
}

/** RSS once it stops moving: three 300 ms samples within 1 MB of each other (at most 15 s). */
async function settledRss(pid: number): Promise<number> {
  const samples: number[] = [];
  const deadline = Date.now() + 15_000;
  for (;;) {
    samples.push(rssOf(pid) ?? 0);
    const last = samples.slice(-3);
    if ((last.length === 3 && Math.max(...last) - Math.min(...last) <= MB) || Date.now() > deadline) return samples.at(-1) ?? 0;
    await sleep(300);
  }
}

/** OpenCode itself: carries our state dir in its environment, is not one of our jobs, and is the biggest such process. */
async function opencodePid(stateDir: string): Promise<number | undefined> {
  const pids = await processesWithEnv("OPENCODE_BG_STATE_DIR", new Set([stateDir]));
  const candidates = pids.filter((pid) => {
    try {
      return !readFileSync(`/proc/${pid}/environ`, "latin1").includes("\0OPENCODE_BG_JOB=") && statSync(`/proc/${pid}`).isDirectory();
    } catch {
      return false;
    }
  });
  return candidates.sort((a, b) => (rssOf(b) ?? 0) - (rssOf(a) ?? 0))[0];
}
