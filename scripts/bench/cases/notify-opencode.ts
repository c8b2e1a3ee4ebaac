// Figure: notify latency through the real OpenCode 1.18.33, from the moment a job prints
// `OPENCODE_NOTIFY:` (its $EPOCHREALTIME stamp) to the moment the scripted model receives the
// prompt (the fake model's script runs as the request arrives). OpenCode loads the plugin from
// src/ (its Bun runs TypeScript), so no build is needed. The cost guard is lowered for the bench
// (notifyMinIntervalMs 0, notifyMaxPerMinute 1000) and the markers come 1.5 s apart, so each one
// finds the session idle, the way a quiet session's first marker does with the defaults.
// Baseline: the original plugin itself (original-plugin.ts fetches it from npm), or its way
// re-created (original-notify-plugin.ts) when it cannot be fetched, measured the same way in its
// own OpenCode instances, alternating with ours. Pieces come from the plugin's debug.log
// (OPENCODE_BG_DEBUG=1, ms stamps): print -> the tailer saw the marker -> the model's request.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startFakeModel, messageText, type ChatRequest, type ModelStep } from "../../e2e/fake-model.js";
import { createSandbox, OPENCODE_BIN, type PluginSpec } from "../../e2e/opencode-sandbox.js";
import { createTmuxSandbox } from "../../../test/helpers/tmux-sandbox.js";
import { calibrateRealtime } from "../clock.js";
import { withTimeout, type BenchContext } from "../context.js";
import { atMost, figure, type Figure } from "../figure.js";
import { summarize } from "../stats.js";
import { existsSync } from "node:fs";
import { shellQuote } from "../../../src/core/shell.js";
import { originalPluginEntry, ORIGINAL_PACKAGE } from "../original-plugin.js";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const PLUGIN = path.join(REPO, "src/plugin/server.ts");
const ORIGINAL_WAY = path.join(REPO, "scripts/bench/original-notify-plugin.ts");
/** The issue's figure for the original plugin through OpenCode, printed when it cannot be measured. */
export const ORIGINAL_REFERENCE_MS = 124;
/** Far longer than a turn with the scripted model (~0.1-0.2 s): each marker finds the session idle. */
const GAP_S = 1;

interface Series {
  /** print -> model request, ms, per marker. */
  latencies: number[];
  /** marker number -> when the request arrived (µs, real time). */
  arrivals: Map<number, number>;
  /** marker number -> when it was printed (µs, real time). */
  printed: Map<number, number>;
}

/** One OpenCode with `plugin`, one session, `markers` markers printed by a job that `tool` starts. */
async function measureThrough(ctx: BenchContext, markers: number, plugin: PluginSpec, tool: { name: string; args: (command: string) => Record<string, unknown> }) {
  const jobs = await createTmuxSandbox("obg-bench-oc");
  const clock = calibrateRealtime();
  const series: Series = { latencies: [], arrivals: new Map(), printed: new Map() };
  const command = [
    "sleep 2",
    `for ((i = 1; i <= ${markers}; i++)); do printf 'OPENCODE_NOTIFY: bench %d %s\\n' "$i" "\${EPOCHREALTIME//[!0-9]/}"; sleep ${GAP_S}; done`,
  ].join("; ");
  const script = (req: ChatRequest, { turn }: { turn: number }): ModelStep => {
    const at = clock.nowUs();
    const last = req.messages.at(-1);
    const text = last?.role === "user" ? messageText(last) : "";
    for (const match of text.matchAll(/bench (\d+) (\d{10,})/g)) {
      const n = Number(match[1]);
      if (series.arrivals.has(n)) continue;
      series.arrivals.set(n, at);
      series.printed.set(n, Number(match[2]));
      series.latencies.push((at - Number(match[2])) / 1000);
    }
    return turn === 0 ? { toolCalls: [{ name: tool.name, args: tool.args(command) }] } : { text: "noted" };
  };
  const fake = await startFakeModel(script);
  const opencode = createSandbox({
    modelUrl: fake.url,
    plugins: [plugin],
    env: { OPENCODE_BG_TMUX_SOCKET: jobs.socket, OPENCODE_BG_STATE_DIR: jobs.stateDir, OPENCODE_BG_DEBUG: "1" },
  });
  try {
    const server = await opencode.serve({ timeoutMs: 60_000 });
    const session = await server.client.session.create({ body: {} });
    const id = session.data?.id;
    if (!id) throw new Error("OpenCode created no session");
    await server.client.session.promptAsync({ path: { id }, body: { parts: [{ type: "text", text: "start the job" }] } });
    const deadline = 2000 + markers * GAP_S * 1000 + 20_000;
    await withTimeout(fake.waitForRequest((req) => req.messages.some((m) => m.role === "user" && messageText(m).includes(`bench ${markers} `)), deadline), deadline + 1000, `marker ${markers} at the model`);
    const debugLog = await readFile(path.join(jobs.stateDir, "debug.log"), "utf8").catch(() => "");
    await server.stop();
    return { series, debugLog };
  } finally {
    await opencode.cleanup();
    await fake.close();
    await jobs.cleanup();
  }
}

/** Per marker: print -> the tailer's "notify" debug line, and that line -> the model request (ms). */
function pieces(series: Series, debugLog: string): { toTailer: number[]; tailerToModel: number[] } {
  const toTailer: number[] = [];
  const tailerToModel: number[] = [];
  for (const line of debugLog.split("\n")) {
    const match = /^(\S+) pid=\d+ notify \{.*"message":"bench (\d+) /.exec(line);
    if (!match) continue;
    const seenUs = Date.parse(match[1]!) * 1000;
    const n = Number(match[2]);
    const printed = series.printed.get(n);
    const arrived = series.arrivals.get(n);
    if (printed !== undefined) toTailer.push((seenUs - printed) / 1000);
    if (arrived !== undefined) tailerToModel.push((arrived - seenUs) / 1000);
  }
  return { toTailer, tailerToModel };
}

/** How a side of the comparison starts its job: the plugin and the tool call that runs `command`. */
interface Side {
  label: string;
  plugin: PluginSpec;
  tool: { name: string; args: (command: string) => Record<string, unknown> };
}

/**
 * The baseline side: the original plugin itself when it can be fetched (original-plugin.ts), else
 * its way re-created in original-notify-plugin.ts. The original runs commands with /bin/sh, so the
 * bash loop is handed to bash.
 */
async function baselineSide(ctx: BenchContext): Promise<Side> {
  try {
    const entry = await originalPluginEntry(REPO);
    return {
      label: `the original plugin (${ORIGINAL_PACKAGE})`,
      plugin: entry,
      tool: { name: "createBackgroundProcess", args: (command) => ({ command: `exec bash -c ${shellQuote(command)}`, name: "bench-notify" }) },
    };
  } catch (error) {
    ctx.log(`notify-opencode: cannot fetch ${ORIGINAL_PACKAGE} (${String(error).split("\n")[0]}); using its way re-created`);
    return { label: "the original's way re-created (piped child, promptAsync per line)", plugin: ORIGINAL_WAY, tool: { name: "startPiped", args: (command) => ({ command }) } };
  }
}

export async function measureNotifyOpencode(ctx: BenchContext): Promise<Figure[]> {
  if (!existsSync(OPENCODE_BIN)) {
    return [figure({ id: "notify.opencode", title: "notify printed -> model request, through OpenCode", unit: "ms", value: { skipped: "opencode-ai not installed" }, baseline: { p50: ORIGINAL_REFERENCE_MS, what: "the issue's figure for the original" }, target: `p50 and p95 <= original (${ORIGINAL_REFERENCE_MS} ms)`, met: null })];
  }
  // Whole OpenCode instances differ more than the plugins do (p50 48-67 ms for the same plugin in
  // one hour), so the sides alternate instance by instance and each gets several.
  const instances = ctx.quick ? 1 : 3;
  const markers = ctx.quick ? 10 : 15;
  const ours: Side = {
    label: "ours",
    plugin: [PLUGIN, { notifyMinIntervalMs: 0, notifyMaxPerMinute: 1000 }],
    tool: { name: "createBackgroundProcess", args: (command) => ({ command, name: "bench-notify" }) },
  };
  const baseline = await baselineSide(ctx);
  const oursRuns: { series: Series; debugLog: string }[] = [];
  const baselineRuns: Series[] = [];
  let baselineError: string | undefined;
  for (let round = 0; round < instances; round++) {
    ctx.log(`notify-opencode: round ${round + 1}/${instances}, ours, ${markers} markers ${GAP_S} s apart`);
    oursRuns.push(await measureThrough(ctx, markers, ours.plugin, ours.tool));
    ctx.log(`notify-opencode: round ${round + 1}/${instances}, ${baseline.label}`);
    try {
      baselineRuns.push((await measureThrough(ctx, markers, baseline.plugin, baseline.tool)).series);
    } catch (error) {
      baselineError = String(error).split("\n")[0];
    }
  }
  const latencies = oursRuns.flatMap((run) => run.series.latencies);
  const baselineLatencies = baselineRuns.flatMap((series) => series.latencies);
  const value = summarize(latencies, 1);
  const base = baselineLatencies.length ? summarize(baselineLatencies, 1) : undefined;
  const limit50 = base?.p50 ?? ORIGINAL_REFERENCE_MS;
  const limit95 = base?.p95 ?? ORIGINAL_REFERENCE_MS;
  const split = oursRuns.map((run) => pieces(run.series, run.debugLog));
  const toTailer = summarize(split.flatMap((piece) => piece.toTailer), 1);
  const tailerToModel = summarize(split.flatMap((piece) => piece.tailerToModel), 1);
  const perInstance = (runs: Series[]) => runs.map((series) => summarize(series.latencies, 1).p50).join(", ");
  return [
    figure({
      id: "notify.opencode",
      title: "notify printed -> model request, through OpenCode",
      unit: "ms",
      value: { ...value, received: latencies.length, expected: markers * instances },
      baseline: base
        ? { ...base, what: `${baseline.label} in the same OpenCode, instances alternating with ours`, issueFigure: ORIGINAL_REFERENCE_MS }
        : { p50: ORIGINAL_REFERENCE_MS, p95: ORIGINAL_REFERENCE_MS, what: `the issue's figure (not measured: ${baselineError})` },
      target: "p50 and p95 <= the original's",
      met: value.n === 0 ? null : (atMost(value.p50, limit50) ?? false) && (atMost(value.p95, limit95) ?? false),
      notes: [
        `${instances} OpenCode instances per side, alternating, ${markers} markers ${GAP_S} s apart in each, each into an idle session; cost guard lowered for the bench (notifyMinIntervalMs 0, notifyMaxPerMinute 1000)`,
        `p50 per instance: ours ${perInstance(oursRuns.map((run) => run.series))}; baseline ${perInstance(baselineRuns)}`,
        `print -> tailer saw it: p50 ${toTailer.p50} ms, p95 ${toTailer.p95} ms (debug.log, ms stamps)`,
        `tailer -> model request (notifier, promptAsync, OpenCode's prompt path): p50 ${tailerToModel.p50} ms, p95 ${tailerToModel.p95} ms`,
        `met = p50 and p95 within the baseline's measured in this run (the issue's figure: ${ORIGINAL_REFERENCE_MS} ms on an idle machine)`,
      ],
    }),
  ];
}
