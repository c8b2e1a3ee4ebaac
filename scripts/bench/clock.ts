// Wall-clock time with sub-millisecond resolution, comparable with a job's `$EPOCHREALTIME`.
// Date.now() is CLOCK_REALTIME but only whole ms; performance.now() is fine-grained but
// monotonic, and timeOrigin + now() drifts from the real-time clock while NTP slews it. So we
// pin the monotonic clock to the moment Date.now() ticks over to a new millisecond (that instant
// is exactly N.000 ms real time, give or take one loop turn, ~1 us) and re-pin before each series.
import { performance } from "node:perf_hooks";

/** A calibrated real-time clock in microseconds since the epoch. */
export interface RealtimeClock {
  nowUs(): number;
}

/** Calibrates against the next millisecond edge of Date.now() (busy-waits at most ~1 ms). */
export function calibrateRealtime(): RealtimeClock {
  const start = Date.now();
  let ms = start;
  let mono = performance.now();
  while (ms === start) {
    mono = performance.now();
    ms = Date.now();
  }
  const offsetMs = ms - mono;
  return { nowUs: () => (performance.now() + offsetMs) * 1000 };
}
