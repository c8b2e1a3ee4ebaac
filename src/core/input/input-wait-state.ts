// What input-wait.json holds: the waiting-for-input alarm in force (see input-wait.ts). Its own
// file so that job/job.ts can name the type without importing the detector (no import cycle).
import { z } from "zod";

export const InputWaitSchema = z.object({
  /** Absolute log position where the output stopped (the prompt's end): the alarm's identity. */
  position: z.number().int().min(0),
  /** The prompt line, clean text. */
  prompt: z.string(),
  /** When the alarm was raised (ms since the epoch). */
  since: z.number(),
});
export type InputWait = z.infer<typeof InputWaitSchema>;
