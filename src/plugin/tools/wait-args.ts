// The wait arguments shared by waitForProcess and createBackgroundProcess, flat and typed only:
// src/core/wait-args.ts checks them (one message per mistake) and waitForProcess's description
// says what they mean, once.
import { tool } from "@opencode-ai/plugin";
import { UNTIL_VALUES } from "../../core/wait-args.js";

const z = tool.schema;

export const waitArgs = {
  until: z.enum(UNTIL_VALUES).optional(),
  pattern: z.string().optional(),
  port: z.number().optional(),
  timeoutMs: z.number().optional(),
};
