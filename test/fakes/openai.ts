/**
 * A fake OpenAI-compatible server on loopback, for every test that meets a language model.
 *
 * ```ts
 * const ai = await startFakeOpenAi();                  // or startFakeOpenAi({ replies: [...], fallback })
 * const llm = createOpenAiClient({ baseUrl: ai.baseUrl, model: "fake-model", timeoutMs: 5000, maxRetries: 0 });
 * ai.reply({ content: '{"headline":"…","bullets":[…]}' });        // 200, OpenAI chat.completion body with usage
 * ai.reply({ status: 429, headers: { "retry-after": "2" } });    // raw status (default body: an OpenAI error object)
 * ai.reply((request) => ({ content: request.user.includes("[0]") ? "…" : "…" })); // decide from the request
 * ai.reply({ content: "late", delayMs: 200 });                   // answer after a delay (timeouts)
 * ai.reply({ drop: true });                                      // close the socket without answering (network error)
 * ai.reply({ stallAfterHeaders: true });                         // 200 + headers + a few body bytes, then nothing
 * await ai.whenAbandoned(4);                                     // …until the client gave up on 4 stalled replies
 * // …run the code under test…
 * ai.requests[0].body.messages;   // parsed JSON body as the server received it
 * ai.requests[0].system / .user;  // the system and (last) user message texts, for quick asserts
 * ai.chatRequests();              // only the /chat/completions calls
 * await ai.close();
 * ```
 *
 * Replies are taken from the queue in order, one per request to `/v1/chat/completions` or `/chat/completions`.
 * When the queue is empty, `fallback` answers (default: a 500 saying "no scripted reply", so a test that
 * sends more requests than it scripted fails loudly). `baseUrl` ends in `/v1`, like api.openai.com; `url` is the bare origin.
 * `GET /v1/models` lists one model. Any other path gets a 404 in OpenAI's error shape.
 */
import type { ServerResponse } from "node:http";
import { type RecordedRequest, startLoopbackServer } from "./http.js";

/** A message as the fake received it (content may be a string or an array of parts). */
export interface FakeChatMessage {
  role: string;
  content: unknown;
}

/** The parsed body of one chat completion request (the fields tests look at; the rest is kept in `raw`). */
export interface FakeChatBody {
  model?: string;
  messages: FakeChatMessage[];
  response_format?: { type: string; json_schema?: { name: string; schema: unknown; strict?: boolean } };
  max_tokens?: number;
  max_completion_tokens?: number;
  temperature?: number;
  [field: string]: unknown;
}

export interface FakeOpenAiRequest {
  method: string;
  path: string;
  headers: RecordedRequest["headers"];
  /** Parsed JSON body (an empty `messages` list when the body was not JSON). */
  body: FakeChatBody;
  /** Text of the system message(s), joined by blank lines ("" when none). */
  system: string;
  /** Text of the last user message ("" when none). */
  user: string;
}

/** A scripted answer: a chat completion (`content`) or a raw HTTP reply (`status`/`headers`/`body`). */
export interface FakeReply {
  /** The assistant's text. Sets status 200 and an OpenAI chat.completion body. */
  content?: string;
  /** Token usage in the reply; default: rough counts from the request and `content`. `null` leaves usage out. */
  usage?: { prompt_tokens: number; completion_tokens: number } | null;
  /** `model` in the reply; default: the request's model. */
  model?: string;
  /** `finish_reason`; default "stop". */
  finishReason?: string;
  /** HTTP status. @default 200 with `content`, else 500 */
  status?: number;
  headers?: Record<string, string>;
  /** Raw body: an object is sent as JSON, a string as is. Default for errors: OpenAI's `{error:{message,type,code}}`. */
  body?: unknown;
  /** Wait this long before answering (ms). */
  delayMs?: number;
  /** Destroy the connection without answering (the client sees a network error). */
  drop?: boolean;
  /**
   * Send the status line, the headers and the first bytes of the JSON body, then hold the connection open
   * and send nothing more (an overloaded proxy or local server): only the client's own deadline ends it.
   */
  stallAfterHeaders?: boolean;
}

export type ScriptedReply = FakeReply | ((request: FakeOpenAiRequest) => FakeReply | Promise<FakeReply>);

export interface FakeOpenAi {
  /** Base URL for the SDK (`…/v1`). */
  baseUrl: string;
  /** Origin without a path. */
  url: string;
  /** Every request received, in order, parsed. */
  requests: FakeOpenAiRequest[];
  /** Requests to the chat completions endpoint only. */
  chatRequests(): FakeOpenAiRequest[];
  /** Queues replies, answered in order. */
  reply(...replies: ScriptedReply[]): void;
  /** Replaces the answer used when the queue is empty. */
  setFallback(reply: ScriptedReply): void;
  /** Scripted replies not used yet. */
  pending(): number;
  /** Stalled replies still held open, and those the client closed (gave up on). */
  stalls(): { open: number; abandoned: number };
  /** Resolves once `count` chat completion requests have arrived. */
  whenChatRequests(count: number): Promise<void>;
  /** Resolves once the client has closed `count` stalled replies. */
  whenAbandoned(count: number): Promise<void>;
  close(): Promise<void>;
}

export interface FakeOpenAiOptions {
  replies?: ScriptedReply[];
  fallback?: ScriptedReply;
}

const NO_SCRIPT: FakeReply = {
  status: 500,
  body: { error: { message: "fake OpenAI: no scripted reply left", type: "server_error", code: null } },
};

/** Starts the fake on 127.0.0.1:0. */
export async function startFakeOpenAi(options: FakeOpenAiOptions = {}): Promise<FakeOpenAi> {
  const queue: ScriptedReply[] = [...(options.replies ?? [])];
  let fallback: ScriptedReply = options.fallback ?? NO_SCRIPT;
  const requests: FakeOpenAiRequest[] = [];
  let completionCount = 0;
  let stallsOpen = 0;
  let stallsAbandoned = 0;
  const abandonWaiters: Array<{ count: number; resolve: () => void }> = [];
  const noteAbandoned = () => {
    stallsOpen -= 1;
    stallsAbandoned += 1;
    for (const waiter of abandonWaiters.filter((item) => stallsAbandoned >= item.count)) {
      abandonWaiters.splice(abandonWaiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  };

  const requestWaiters: Array<{ count: number; resolve: () => void }> = [];
  const chatCount = () =>
    requests.filter((request) => /\/chat\/completions$/.test(request.path.split("?")[0] ?? "")).length;
  const server = await startLoopbackServer(async (recorded, response) => {
    const request = parseRequest(recorded);
    requests.push(request);
    for (const waiter of requestWaiters.filter((item) => chatCount() >= item.count)) {
      requestWaiters.splice(requestWaiters.indexOf(waiter), 1);
      waiter.resolve();
    }
    const path = request.path.split("?")[0] ?? "";

    if (request.method === "GET" && /^(\/v1)?\/models$/.test(path)) {
      return sendJson(response, 200, {
        object: "list",
        data: [{ id: "fake-model", object: "model", owned_by: "fake" }],
      });
    }
    if (request.method !== "POST" || !/^(\/v1)?\/chat\/completions$/.test(path)) {
      return sendJson(response, 404, {
        error: { message: `fake OpenAI: no route ${request.method} ${path}`, type: "invalid_request_error" },
      });
    }

    const scripted = queue.shift() ?? fallback;
    const reply = typeof scripted === "function" ? await scripted(request) : scripted;
    if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
    if (reply.drop) {
      response.socket?.destroy();
      return;
    }
    if (reply.stallAfterHeaders) {
      stallsOpen += 1;
      response.writeHead(200, { "content-type": "application/json" });
      response.write('{"id":"chatcmpl-stalled","object":"chat.completion","choices":[');
      response.on("close", noteAbandoned);
      return;
    }
    if (reply.content !== undefined && (reply.status ?? 200) === 200) {
      completionCount += 1;
      return sendJson(response, 200, completionBody(request, reply, completionCount), reply.headers);
    }
    const status = reply.status ?? 500;
    const body = reply.body ?? {
      error: { message: `fake OpenAI: scripted ${status}`, type: status === 429 ? "rate_limit_error" : "server_error" },
    };
    if (typeof body === "string") {
      response.writeHead(status, { "content-type": "text/plain", ...reply.headers });
      response.end(body);
      return;
    }
    return sendJson(response, status, body, reply.headers);
  });

  return {
    baseUrl: `${server.url}/v1`,
    url: server.url,
    requests,
    chatRequests: () => requests.filter((request) => /\/chat\/completions$/.test(request.path.split("?")[0] ?? "")),
    reply: (...replies) => {
      queue.push(...replies);
    },
    setFallback: (reply) => {
      fallback = reply;
    },
    pending: () => queue.length,
    whenChatRequests: (count) =>
      chatCount() >= count ? Promise.resolve() : new Promise((resolve) => requestWaiters.push({ count, resolve })),
    stalls: () => ({ open: stallsOpen, abandoned: stallsAbandoned }),
    whenAbandoned: (count) =>
      stallsAbandoned >= count ? Promise.resolve() : new Promise((resolve) => abandonWaiters.push({ count, resolve })),
    close: () => server.close(),
  };
}

/** The text of a message whose content is a string or an array of `{type:"text", text}` parts. */
export function messageText(message: FakeChatMessage | undefined): string {
  if (!message) return "";
  if (typeof message.content === "string") return message.content;
  if (Array.isArray(message.content)) {
    return message.content
      .map((part: unknown) =>
        part && typeof part === "object" && "text" in part ? String((part as { text: unknown }).text) : "",
      )
      .join("");
  }
  return "";
}

function parseRequest(recorded: RecordedRequest): FakeOpenAiRequest {
  let body: FakeChatBody = { messages: [] };
  try {
    const parsed: unknown = JSON.parse(recorded.body.toString("utf8") || "null");
    if (parsed && typeof parsed === "object") {
      body = parsed as FakeChatBody;
      if (!Array.isArray(body.messages)) body.messages = [];
    }
  } catch {
    // Not JSON: keep the empty body; the test can still read the raw request through `headers`.
  }
  const system = body.messages
    .filter((message) => message.role === "system" || message.role === "developer")
    .map(messageText)
    .join("\n\n");
  const users = body.messages.filter((message) => message.role === "user");
  return {
    method: recorded.method,
    path: recorded.path,
    headers: recorded.headers,
    body,
    system,
    user: messageText(users.at(-1)),
  };
}

/** Roughly four characters per token: close enough for a fake's usage numbers. */
function roughTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

function completionBody(request: FakeOpenAiRequest, reply: FakeReply, count: number): unknown {
  const content = reply.content ?? "";
  const promptText = request.body.messages.map(messageText).join("\n");
  const usage =
    reply.usage === null
      ? undefined
      : (reply.usage ?? { prompt_tokens: roughTokens(promptText), completion_tokens: roughTokens(content) });
  return {
    id: `chatcmpl-fake-${count}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: reply.model ?? request.body.model ?? "fake-model",
    choices: [
      {
        index: 0,
        message: { role: "assistant", content, refusal: null },
        finish_reason: reply.finishReason ?? "stop",
        logprobs: null,
      },
    ],
    ...(usage ? { usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } } : {}),
  };
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { "content-type": "application/json", ...headers });
  response.end(JSON.stringify(body));
}
