// Watch matches ride the markers' cursor (issue 12): exactly one notification per watched line
// when the owning OpenCode dies among others. As notify-exactly-once.test.ts, but the job prints
// plain lines `tick-N` (no OPENCODE_NOTIFY) that a watch pattern picks out; three filler lines
// after each keep other ticks out of a match's quoted context, so each tick is counted once.
import { test } from "node:test";
import { exactlyOnceHarness, MARKERS } from "../helpers/exactly-once.js";

const TRIALS = Number(process.env.WATCH_TRIALS ?? 10);
const harness = exactlyOnceHarness({
  name: "watch1",
  trials: TRIALS,
  command: `sleep 0.3; for i in $(seq 1 ${MARKERS}); do echo "tick-$i"; printf 'pad\\npad\\npad\\n'; sleep 0.05; done; sleep 300`,
  create: { watch: ["^tick-"] },
});

test(`watch exactly once: ${TRIALS} owners SIGKILLed mid-stream among 3 other instances deliver every watched line once`, { timeout: 600_000 }, () => harness.run());
