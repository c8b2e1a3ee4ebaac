// The waiting-for-input alarm as text: the message a session gets (the prompt line, quoted as
// process output by notify-prompt.ts, then the sendProcessInput call that would answer it) and
// the short forms `get` and `list` show. Pure.
import type { JobView } from "../core/job/job.js";
import type { InputWait } from "../core/input/input-wait.js";

/** Yes/no prompts get a concrete answer to adapt; others a placeholder. */
const YES_NO = /\((?:y\/n|yes\/no)\)|\[(?:y\/n|yes\/no)\]/i;
const SECRET = /\bpassword\b|\bpassphrase\b/i;

/** The call that answers the prompt (the text is an example: the model decides what to type). */
export function answerCall(jobId: string, prompt: string): string {
  const text = YES_NO.test(prompt) ? "y" : "<answer>";
  return `sendProcessInput ${JSON.stringify({ processId: jobId, text })}`;
}

/** The unquoted hint after the quoted prompt line: how to answer, and that a person may answer instead. */
export function inputWaitHint(job: Pick<JobView, "id">, wait: Pick<InputWait, "prompt">): string {
  const secret = SECRET.test(wait.prompt) ? " It asks for a secret: do not guess one; ask the user." : "";
  return `It waits for input. To answer: ${answerCall(job.id, wait.prompt)} (Enter is pressed after the text).${secret} A person may also answer in its tmux window.`;
}

/** `get`: "waiting for input since <time>: <prompt>"; nothing while it does not wait. */
export function formatInputWait(job: Pick<JobView, "inputWait">): string[] {
  const wait = job.inputWait;
  return wait ? [`waiting for input since ${new Date(wait.since).toISOString()}: ${JSON.stringify(wait.prompt)}`] : [];
}

/** `list` and the sidebar: a terse mark. */
export const INPUT_WAIT_MARK = "⌨ waiting for input";
