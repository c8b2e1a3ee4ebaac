// Notification batching: order per session, coalescing, flood summaries, caps, failures.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Notifier, type DeliveryResult } from "../../src/plugin/notifier.js";
import { buildNotifyPrompt } from "../../src/plugin/notify-prompt.js";

const limits = { maxChars: 50, maxItems: 20 };
const item = (n: number, jobId = "job00001") => ({ jobId, jobName: "web", message: `message ${n}` });

test("one message: headed with the job's name and id", () => {
  assert.equal(buildNotifyPrompt([item(1)], 0, limits), '[opencode-bg] Notification from background process "web" (id job00001):\nmessage 1');
});

test("a long message is capped", () => {
  const text = buildNotifyPrompt([{ jobId: "j", jobName: "n", message: "x".repeat(500) }], 0, limits);
  assert.ok(text.endsWith(`${"x".repeat(49)}…`));
});

test("a flood becomes a short summary with the latest messages", () => {
  const items = Array.from({ length: 10_000 }, (_, n) => item(n + 1));
  const text = buildNotifyPrompt(items, 0, limits);
  assert.match(text, /^\[opencode-bg\] 10000 notifications arrived at once \("web" \(id job00001\): 10000\)/);
  assert.ok(text.includes("message 10000"));
  assert.ok(!text.includes("message 9995\n"));
  assert.ok(text.length < 1000, `summary is ${text.length} chars`);
});

test("per session: in order, bursts coalesced, a flood sent as few prompts", async () => {
  const sent: { sessionId: string; text: string }[] = [];
  let release: () => void = () => {};
  let gate = new Promise<void>((resolve) => (release = resolve));
  const notifier = new Notifier({
    deliver: async (sessionId, text) => {
      sent.push({ sessionId, text });
      await gate;
    },
    coalesceMs: 20,
    limits,
  });
  notifier.enqueue("s1", item(1));
  notifier.enqueue("s1", item(2));
  notifier.enqueue("s2", item(3));
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.equal(sent.length, 2, "one prompt per session for the burst");
  // While s1's prompt is in flight, a flood arrives: it must wait, then go as one summary.
  for (let n = 4; n < 10_004; n++) notifier.enqueue("s1", item(n));
  release();
  gate = Promise.resolve();
  await notifier.drain();
  const s1 = sent.filter((entry) => entry.sessionId === "s1").map((entry) => entry.text);
  assert.equal(s1.length, 2);
  assert.match(s1[0] ?? "", /2 notifications .*\n- "web" \(id job00001\): message 1\n- .*message 2$/);
  assert.match(s1[1] ?? "", /10000 notifications arrived at once/);
  assert.ok(s1[1]?.includes("message 10003"));
});

test("a failed delivery is reported, not thrown, and later ones still go", async () => {
  const results: DeliveryResult[] = [];
  let calls = 0;
  const notifier = new Notifier({
    deliver: async () => {
      calls++;
      if (calls === 1) throw new Error("session not found");
    },
    onResult: (result) => results.push(result),
    coalesceMs: 0,
    limits,
  });
  notifier.enqueue("gone", item(1));
  await notifier.drain();
  notifier.enqueue("gone", item(2));
  await notifier.drain();
  assert.deepEqual(results.map((r) => [r.delivered, r.error]), [[false, "session not found"], [true, undefined]]);
});
