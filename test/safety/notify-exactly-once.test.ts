// Exactly one notification per marker when the owning OpenCode dies among others: 50 trials, each
// a global job printing numbered markers whose owner (a real plugin runtime in its own process)
// is SIGKILLed at a random moment while three other instances run on the same state dir.
import { test } from "node:test";
import { exactlyOnceHarness, MARKERS } from "../helpers/exactly-once.js";

const TRIALS = Number(process.env.NOTIFY_TRIALS ?? 50);
const harness = exactlyOnceHarness({
  name: "notify1",
  trials: TRIALS,
  command: `sleep 0.3; for i in $(seq 1 ${MARKERS}); do echo "OPENCODE_NOTIFY: tick-$i"; sleep 0.05; done; sleep 300`,
});

test(`exactly once: ${TRIALS} owners SIGKILLed mid-stream among 3 other instances deliver every marker once`, { timeout: 600_000 }, () => harness.run());
