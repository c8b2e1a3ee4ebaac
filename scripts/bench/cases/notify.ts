// Figure 3: a job prints `OPENCODE_NOTIFY: <n> <us>` every ~50 ms; latency is "marker printed"
// -> "notify event received". The job stamps each line with bash's $EPOCHREALTIME (a builtin:
// no fork between reading the clock and writing the line, unlike `$(date +%s%N)`, which would add
// a fork+exec of `date` before the print), CLOCK_REALTIME in microseconds. We compare with a
// calibrated real-time clock (see clock.ts), re-pinned right before each series. Any clock error
// hits the baseline (same stamps through a pipe) equally, so the baseline shows the floor.
import { calibrateRealtime } from "../clock.js";
import { reap, spawnPiped } from "../baseline.js";
import { withTimeout, type BenchContext } from "../context.js";
import { atMost, figure, type Figure } from "../figure.js";
import { summarize } from "../stats.js";

/** Runs the notify series against the manager and the piped baseline. */
export async function measureNotify(ctx: BenchContext): Promise<Figure[]> {
  const markers = ctx.quick ? 40 : 100;
  const command = [
    "sleep 0.3",
    `for ((i = 1; i <= ${markers}; i++)); do printf 'OPENCODE_NOTIFY: %d %s\\n' "$i" "\${EPOCHREALTIME//[!0-9]/}"; sleep 0.05; done`,
  ].join("; ");

  // Ours.
  const ours: number[] = [];
  let unparsed = 0;
  const clock = calibrateRealtime();
  let jobId: string | undefined;
  const early: { message: string; at: number }[] = [];
  const record = (message: string, at: number) => {
    const stamp = Number(message.split(" ")[1]);
    if (Number.isFinite(stamp)) ours.push((at - stamp) / 1000);
    else unparsed++;
  };
  const off = ctx.manager.on("notify", (view, message) => {
    const at = clock.nowUs();
    if (jobId === undefined) early.push({ message, at });
    else if (view.id === jobId) record(message, at);
  });
  try {
    const view = await ctx.manager.create({ command, name: "bench-notify", tags: ["bench"], scope: "session" });
    jobId = view.id;
    for (const item of early) record(item.message, item.at);
    await ctx.manager.waitForStatus(view.id, ["completed", "failed", "cancelled"], 60_000);
  } finally {
    off();
  }

  // Baseline: the same script through a pipe, lines split as they arrive.
  const base: number[] = [];
  const baseClock = calibrateRealtime();
  const run = spawnPiped(command, {
    onLine: (line) => {
      const at = baseClock.nowUs();
      const match = /^OPENCODE_NOTIFY: \d+ (\d+)$/.exec(line);
      if (match) base.push((at - Number(match[1])) / 1000);
    },
  });
  await withTimeout(run.closed, 60_000, "baseline notify script");
  await reap(run);

  const value = summarize(ours, 3);
  const notes = [
    `${markers} markers ~50 ms apart; received ${ours.length}/${markers}${unparsed ? `, ${unparsed} unparsable` : ""}`,
    "timestamps: $EPOCHREALTIME in the job vs a real-time clock calibrated on a Date.now() ms edge",
  ];
  return [
    figure({
      id: "notify.latency",
      title: "notify marker printed -> `notify` event",
      unit: "ms",
      value: { ...value, received: ours.length, expected: markers },
      baseline: { ...summarize(base, 3), what: "same lines through a stdout pipe" },
      target: "p50 <= 5 ms, p95 <= 60 ms",
      met: ours.length === 0 ? null : (atMost(value.p50, 5) ?? false) && (atMost(value.p95, 60) ?? false),
      notes,
    }),
  ];
}
