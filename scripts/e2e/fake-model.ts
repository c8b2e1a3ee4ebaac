// A scripted OpenAI-compatible model server for end-to-end tests: OpenCode talks to it as the
// provider "fake", and each turn answers with the next scripted step (tool calls or text).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";

export type ToolCallSpec = { name: string; args: Record<string, unknown> };
export type ModelStep = { toolCalls: ToolCallSpec[] } | { text: string };

const contentPart = z.looseObject({ type: z.string(), text: z.string().optional() });
const toolCall = z.looseObject({
  id: z.string(),
  function: z.looseObject({ name: z.string(), arguments: z.string().optional() }),
});
const chatMessage = z.looseObject({
  role: z.string(),
  content: z.union([z.string(), z.array(contentPart), z.null()]).optional(),
  tool_calls: z.array(toolCall).optional(),
  tool_call_id: z.string().optional(),
});
const chatRequest = z.looseObject({
  model: z.string().optional(),
  stream: z.boolean().optional(),
  messages: z.array(chatMessage),
  tools: z.array(z.unknown()).optional(),
});
export type ChatMessage = z.infer<typeof chatMessage>;
export type ChatRequest = z.infer<typeof chatRequest>;

/** What the script sees for a turn: the request and how many scripted turns came before it. */
export type ScriptContext = { turn: number; fake: FakeModel };
export type ModelScript = ModelStep[] | ((req: ChatRequest, ctx: ScriptContext) => ModelStep);

export type ToolResult = { toolCallId: string; name: string | undefined; content: string };

export interface FakeModel {
  /** Base URL for the provider config, ending in /v1. */
  readonly url: string;
  /** Every chat-completion request body, in arrival order (title requests included). */
  readonly requests: ChatRequest[];
  /** Tool-result messages the model was sent, deduplicated by call id, first-seen order. */
  toolResults(): ToolResult[];
  /** Text of every distinct user message sent in agent turns (not title requests), first-seen order. */
  userMessages(): string[];
  /** Resolves with the first request (past or future) matching `predicate`; rejects on timeout. */
  waitForRequest(predicate: (req: ChatRequest) => boolean, timeoutMs?: number): Promise<ChatRequest>;
  close(): Promise<void>;
}

const TITLE = "Fake title";

/** Joins the text of a message's content, whether a string or a list of parts. */
export function messageText(message: ChatMessage): string {
  const content = message.content;
  if (typeof content === "string") return content;
  if (!content) return "";
  return content.map((part) => part.text ?? "").join("");
}

/** Starts the fake model on 127.0.0.1 with a random port. */
export async function startFakeModel(script: ModelScript): Promise<FakeModel> {
  const requests: ChatRequest[] = [];
  const waiters = new Set<{ predicate: (req: ChatRequest) => boolean; resolve: (req: ChatRequest) => void }>();
  let turn = 0;
  let callCounter = 0;

  const nextStep = (req: ChatRequest): ModelStep => {
    const index = turn++;
    if (typeof script === "function") return script(req, { turn: index, fake });
    return script[index] ?? { text: "done" };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? "").split("?")[0];
    if (req.method === "GET" && path === "/v1/models") {
      return sendJson(res, { object: "list", data: [{ id: "fake-model", object: "model", owned_by: "fake" }] });
    }
    if (req.method !== "POST" || path !== "/v1/chat/completions") {
      res.writeHead(404).end();
      return;
    }
    const parsed = chatRequest.safeParse(JSON.parse(await readBody(req)));
    if (!parsed.success) {
      res.writeHead(400, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: parsed.error.message } }));
      return;
    }
    const body = parsed.data;
    requests.push(body);
    for (const waiter of waiters) {
      if (waiter.predicate(body)) {
        waiters.delete(waiter);
        waiter.resolve(body);
      }
    }
    // Title generation and summaries come without tools and must not eat a scripted step.
    const step: ModelStep = body.tools?.length ? nextStep(body) : { text: TITLE };
    const calls = "toolCalls" in step
      ? step.toolCalls.map((call) => ({ id: `call_${++callCounter}`, name: call.name, args: JSON.stringify(call.args) }))
      : [];
    const text = "text" in step ? step.text : "";
    if (body.stream) sendStream(res, body.model ?? "fake-model", text, calls);
    else sendCompletion(res, body.model ?? "fake-model", text, calls);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  const fake: FakeModel = {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    toolResults() {
      const names = new Map<string, string>();
      const seen = new Map<string, ToolResult>();
      for (const body of requests) {
        for (const message of body.messages) {
          for (const call of message.tool_calls ?? []) names.set(call.id, call.function.name);
          if (message.role === "tool" && message.tool_call_id && !seen.has(message.tool_call_id)) {
            seen.set(message.tool_call_id, {
              toolCallId: message.tool_call_id,
              name: names.get(message.tool_call_id),
              content: messageText(message),
            });
          }
        }
      }
      return [...seen.values()];
    },
    userMessages() {
      const texts = new Set<string>();
      for (const body of requests) {
        if (!body.tools?.length) continue; // title prompts are not the session's messages
        for (const message of body.messages) if (message.role === "user") texts.add(messageText(message));
      }
      return [...texts];
    },
    waitForRequest(predicate, timeoutMs = 30_000) {
      const existing = requests.find(predicate);
      if (existing) return Promise.resolve(existing);
      return new Promise((resolve, reject) => {
        const waiter = {
          predicate,
          resolve: (req: ChatRequest) => {
            clearTimeout(timer);
            resolve(req);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`fake model: no matching request within ${timeoutMs} ms (${requests.length} seen)`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}

type EmittedCall = { id: string; name: string; args: string };

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function sendJson(res: ServerResponse, value: unknown): void {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify(value));
}

const usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };

function sendCompletion(res: ServerResponse, model: string, text: string, calls: EmittedCall[]): void {
  sendJson(res, {
    id: `chatcmpl-${Date.now()}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{
      index: 0,
      message: {
        role: "assistant",
        content: calls.length ? null : text,
        ...(calls.length && {
          tool_calls: calls.map((c) => ({ id: c.id, type: "function", function: { name: c.name, arguments: c.args } })),
        }),
      },
      finish_reason: calls.length ? "tool_calls" : "stop",
    }],
    usage,
  });
}

function sendStream(res: ServerResponse, model: string, text: string, calls: EmittedCall[]): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
  const id = `chatcmpl-${Date.now()}`;
  const created = Math.floor(Date.now() / 1000);
  const chunk = (delta: object, finish: string | null, extra: object = {}) =>
    res.write(`data: ${JSON.stringify({
      id, object: "chat.completion.chunk", created, model,
      choices: [{ index: 0, delta, finish_reason: finish }], ...extra,
    })}\n\n`);
  chunk({ role: "assistant", content: "" }, null);
  if (calls.length) {
    calls.forEach((c, index) =>
      chunk({ tool_calls: [{ index, id: c.id, type: "function", function: { name: c.name, arguments: c.args } }] }, null));
  } else {
    chunk({ content: text }, null);
  }
  chunk({}, calls.length ? "tool_calls" : "stop", { usage });
  res.end("data: [DONE]\n\n");
}
