// The `until` / `waitFor` argument shared by waitForProcess and createBackgroundProcess: what to
// wait for, as a schema the model sees (the core validates it again, with the same limits).
import { tool } from "@opencode-ai/plugin";
import { WAIT_LIMITS } from "../../core/wait/wait-condition.js";

const z = tool.schema;

/** "exit" | { pattern, ignoreCase? } | { port }: one schema so both tools describe it alike. */
export const waitConditionArg = z.union([
  z.literal("exit").describe("Until the process ends."),
  z
    .object({
      pattern: z.string().min(1).max(WAIT_LIMITS.patternChars).describe("RE2 regular expression (no lookarounds or backreferences) matched against each output line, e.g. \"listening on|ready in\"."),
      ignoreCase: z.boolean().optional().describe("Match regardless of case. Default false."),
    })
    .strict()
    .describe("Until an output line matches; lines already printed count."),
  z
    .object({ port: z.number().int().min(1).max(65535).describe("TCP port checked on 127.0.0.1 and ::1.") })
    .strict()
    .describe("Until the port accepts connections on this machine's loopback."),
]);

/** Milliseconds to wait at most, bounded at 10 minutes. */
export const waitTimeoutArg = z
  .number()
  .int()
  .min(0)
  .max(WAIT_LIMITS.timeoutMsMax);
