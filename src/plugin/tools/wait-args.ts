// The wait arguments shared by waitForProcess and createBackgroundProcess, flat and typed only:
// src/core/wait-args.ts checks them (one message per mistake) and waitForProcess's description
// says what they mean, once.
import { tool } from "@opencode-ai/plugin";
const z = tool.schema;

export const waitArgs = {
  // A string, not an enum: the core's message for a wrong value (or an old stringified
  // { "pattern": ... }) names the three values; an enum's zod error would answer first.
  until: z.string().optional(),
  pattern: z.string().optional(),
  port: z.number().optional(),
  timeoutMs: z.number().optional(),
};
