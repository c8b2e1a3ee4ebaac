// The cost guard through the real plugin runtime and job manager: a job printing 10,000
// OPENCODE_NOTIFY markers paced over a few rate windows costs a handful of prompts (each one a
// model turn the user pays for), and their counts add up to every marker. The guard's clock is
// shortened tenfold (1 s between prompts, 4 per 6 s window, markers over ~6 s) to keep the test
// quick; the default limits' schedule is checked on a fake clock in test/unit/notifier.test.ts.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { PluginInput } from "@opencode-ai/plugin";
import { PluginRuntime } from "../../src/plugin/runtime.js";
import { parsePluginOptions } from "../../src/plugin/options.js";
import { createTmuxSandbox, eventually, type TmuxSandbox } from "../helpers/tmux-sandbox.js";

const MARKERS = 10_000;
let sandbox: TmuxSandbox;

before(async () => {
  sandbox = await createTmuxSandbox("obg-notify2");
});

after(async () => {
  await sandbox.cleanup();
});

/** Markers a prompt stands for: "N notifications ..." or a single one. */
const countOf = (text: string) => Number(/(\d+) notifications/.exec(text)?.[1] ?? 1);

test(`cost guard: ${MARKERS} markers over ~6 s reach the session as a few prompts that account for every marker`, { timeout: 120_000 }, async () => {
  const prompts: { at: number; text: string }[] = [];
  const client = {
    session: {
      messages: async () => ({ data: [] }),
      promptAsync: async (request: { body: { parts: { text: string; synthetic?: boolean }[] } }) => {
        prompts.push({ at: Date.now(), text: request.body.parts.filter((part) => !part.synthetic).map((part) => part.text).join("\n") });
        return { data: undefined };
      },
    },
  } as unknown as PluginInput["client"];
  // The default limits (one prompt per 10 s, at most 4 a minute), ten times faster.
  const rate = { notifyMinIntervalMs: 1_000, notifyMaxPerMinute: 4, notifyWindowMs: 6_000 };
  const runtime = new PluginRuntime({ client } as PluginInput, parsePluginOptions({ tmuxSocket: sandbox.socket, stateDir: sandbox.stateDir, gcAfterDays: 0, ...rate }));
  try {
    const manager = await runtime.manager();
    // 100 markers every 60 ms: 100 batches, about 6 s.
    const script = `let i=0;const t=setInterval(()=>{let s='';for(let k=0;k<100;k++){i++;s+='OPENCODE_NOTIFY: m'+i+'\\n'}process.stdout.write(s);if(i>=${MARKERS})clearInterval(t)},60)`;
    const started = Date.now();
    await manager.create({ command: `${JSON.stringify(process.execPath)} -e ${JSON.stringify(script)}; sleep 300`, name: "flood", sessionId: "ses_flood" });
    await eventually(() => prompts.reduce((sum, prompt) => sum + countOf(prompt.text), 0) >= MARKERS, 60_000, "every marker accounted for");
    const total = prompts.reduce((sum, prompt) => sum + countOf(prompt.text), 0);
    const span = ((prompts.at(-1)?.at ?? started) - started) / 1000;
    console.log(`cost guard: ${MARKERS} markers -> ${prompts.length} prompts over ${span.toFixed(0)} s, counts adding up to ${total}`);
    assert.equal(total, MARKERS);
    // At 0, 1, 2, 3 s, then the window's cap holds the next until 6 s: at most 4 a window.
    const window = rate.notifyWindowMs / 1000;
    assert.ok(prompts.length <= 4 * Math.ceil((span + 1) / window), `${prompts.length} prompts over ${span.toFixed(1)} s`);
    assert.ok(prompts.length >= 2, "more than one prompt: the markers outlast one interval");
    assert.ok(prompts.at(-1)?.text.includes(`> m${MARKERS}`), "the last prompt quotes the last marker");
  } finally {
    await runtime.dispose();
  }
});
