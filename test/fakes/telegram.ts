/**
 * A fake Telegram Bot API on loopback, for every test that meets Telegram.
 *
 * ```ts
 * const tg = await startFakeTelegram();                         // { token, url, botInfo, … }
 * const bot = new Telegraf(tg.token, { telegram: { apiRoot: tg.url } });
 * // (or give telegraf `botInfo: tg.botInfo` and skip getMe)
 * void bot.launch();                                            // long polls tg.url
 *
 * tg.pushUpdate(tg.textMessage({ chatId: 1, text: "https://example.com/a" })); // queue an update
 * tg.sendText({ chatId: 1, text: "/help", languageCode: "zh" });               // build + push in one step
 * tg.sendDocument({ chatId: 1, fileName: "page.html", bytes: Buffer.from(html) }); // registers the file (getFile + download)
 * tg.pressButton({ chatId: 1, messageId: 7, data: "lang:en" });               // a callback_query update
 *
 * const edit = await tg.waitFor((call) => call.method === "editMessageText");  // event-driven, rejects after timeoutMs
 * tg.calls;                         // every API call: { method, params (parsed JSON/form), ok, error_code?, description? }
 * tg.callsTo("sendMessage");        // only one method
 * tg.chatTranscript(1);             // messages in chat 1 as they stand now (edits applied, deletions removed)
 *
 * tg.fail({ method: "sendMessage", code: 429, retryAfter: 1 });               // next sendMessage → 429 with parameters.retry_after
 * tg.fail({ method: "sendMessage", chatId: 5, code: 403, times: Infinity });   // blocked by the user, for good
 * tg.fail({ method: "editMessageText", code: 400, description: "Bad Request: can't parse entities: …" });
 * tg.limit({ perChat: { calls: 1, perMs: 1000 }, global: { calls: 30, perMs: 1000 }, globalPauseMs: 3000 });
 * //   Telegram's limits: sends and edits count per chat; over the global rate everyone gets 429 for a while
 * // Webhooks, as Telegram delivers them: POST to the URL given to setWebhook (or to `targets`, round-robin), with
 * // the secret header, again and again (next target, short pause) until one answers 2xx:
 * const outcome = await tg.deliver(tg.textMessage({ chatId: 1, text: "https://…" })); // { status, target, attempts }
 * tg.webhook;                       // what setWebhook was told ({ url, secret_token, allowed_updates, max_connections })
 * await tg.close();
 * ```
 *
 * Behaviour worth knowing:
 * - getUpdates holds the request until an update is queued (or its `timeout` seconds pass), honours `offset`
 *   (confirmed updates are dropped) and `limit`. It is recorded when it arrives, so
 *   `waitFor((c) => c.method === "getUpdates" && c.params.offset > update.update_id)` means "that update was handled".
 * - Builders add the entities real Telegram adds: `bot_command` at offset 0, `url` for plain links,
 *   `mention` for @names (UTF-16 offsets). Pass `entities` to override (e.g. `text_link`).
 * - `parse_mode: "HTML"` is validated like Telegram does: only Telegram's tags, balanced, entities
 *   `&lt; &gt; &amp; &quot;` and numeric ones; otherwise 400 "can't parse entities". Text over 4096 characters
 *   (after parsing) → 400 "message is too long"; an edit that changes nothing → 400 "message is not modified".
 * - Methods it does not model answer `{ ok: true, result: true }` and are still recorded.
 * - Message ids are per chat and shared between the person's and the bot's messages, as in Telegram.
 */
import { EventEmitter } from "node:events";
import type { ServerResponse } from "node:http";
import type { Update, UserFromGetMe } from "telegraf/types";
import { type RecordedRequest, startLoopbackServer } from "./http.js";

type Params = Record<string, unknown>;

/** One API call as the fake received and answered it. */
export interface ApiCall {
  /** Index in `calls` (handy for `since`). */
  index: number;
  /** When the fake recorded it (its `now`, Date.now by default): rate checks read it. */
  at: number;
  method: string;
  params: Params;
  ok: boolean;
  result?: unknown;
  error_code?: number;
  description?: string;
}

/** A scripted failure. Matches by method (and chat when given); used `times` times (default 1). */
export interface ScriptedFailure {
  method: string;
  chatId?: number;
  /** HTTP/Bot API error code: 429, 403, 400… */
  code: number;
  description?: string;
  /** For 429: `parameters.retry_after` in seconds. @default 1 */
  retryAfter?: number;
  /** @default 1 */
  times?: number;
}

/**
 * Rate limits like Telegram's: sendMessage and every edit count toward the chat's window and the global one.
 * Over a chat's limit → 429 for that call, with `retry_after` until the window frees. Over the global limit →
 * a global pause: every counted call, to any chat, gets 429 until it ends (`retry_after` = what is left).
 * Time comes from `startFakeTelegram({ now })` so a test can run Telegram's seconds faster.
 */
export interface RateLimits {
  perChat?: { calls: number; perMs: number };
  global?: { calls: number; perMs: number };
  /** How long the bot is paused after going over the global limit. @default global.perMs */
  globalPauseMs?: number;
}

/** A message as it stands in a chat. */
export interface TranscriptMessage {
  message_id: number;
  from: "user" | "bot";
  /** Plain text (HTML parsed away for bot messages with parse_mode HTML). */
  text: string;
  /** The raw text as sent (HTML markup included) for bot messages. */
  raw: string;
  parseMode?: string;
  replyMarkup?: { inline_keyboard?: Array<Array<{ text: string; callback_data?: string; url?: string }>> };
  /** How many times the bot edited it. */
  edits: number;
  replyTo?: number;
}

export interface MessageOptions {
  chatId: number;
  /** @default chatId for private chats, else 1001 */
  userId?: number;
  text?: string;
  /** @default "private" */
  chatType?: "private" | "group" | "supergroup";
  firstName?: string;
  languageCode?: string;
  /** Override the automatic entities. */
  entities?: Array<{ type: string; offset: number; length: number; url?: string }>;
  /** message_id of the message this one replies to (must exist in the chat's transcript to carry its author). */
  replyTo?: number;
  /** Mark the message as forwarded from a channel with this title. */
  forwardedFrom?: string;
  caption?: string;
  messageId?: number;
}

export interface DocumentOptions extends Omit<MessageOptions, "text"> {
  fileName: string;
  bytes: Uint8Array;
  mimeType?: string;
  /** The size Telegram reports (defaults to bytes.length); lets a test claim a huge file without sending one. */
  fileSize?: number;
}

export interface CallbackOptions {
  chatId: number;
  userId?: number;
  messageId: number;
  data: string;
  languageCode?: string;
  chatType?: "private" | "group" | "supergroup";
}

export interface FakeTelegram {
  /** apiRoot for telegraf (`http://127.0.0.1:port`). */
  url: string;
  token: string;
  botInfo: UserFromGetMe;
  calls: ApiCall[];
  callsTo(method: string): ApiCall[];
  pushUpdate(update: Omit<Update, "update_id"> & { update_id?: number }): Update;
  textMessage(options: MessageOptions): Update;
  documentMessage(options: DocumentOptions): Update;
  callbackQuery(options: CallbackOptions): Update;
  /** textMessage + pushUpdate. */
  sendText(options: MessageOptions): Update;
  /** documentMessage + pushUpdate. */
  sendDocument(options: DocumentOptions): Update;
  /** callbackQuery + pushUpdate. */
  pressButton(options: CallbackOptions): Update;
  /** Registers a downloadable file; returns its file_id. */
  addFile(bytes: Uint8Array, fileName?: string): { file_id: string; file_path: string };
  fail(failure: ScriptedFailure): void;
  /** Turns on Telegram-like rate limits (see RateLimits). */
  limit(limits: RateLimits): void;
  /** 429s answered because of `limit`: per chat and global (the pause and what tripped it). */
  limitHits: { perChat: number; global: number };
  /**
   * Holds every call matching `predicate` unanswered (not handled, not recorded) until `release()`. Then each is
   * handled in arrival order, counted at its arrival time (Telegram got it then and answered late) — unless its
   * client has gone away meanwhile (a killed process): that call is dropped, as a request that never reached
   * Telegram. One hold at a time.
   */
  holdCalls(predicate: (method: string, params: Params) => boolean): {
    held(): number;
    /** Methods of the held calls dropped because their client was gone. */
    dropped: string[];
    release(): void;
  };
  /** Resolves with the first call (already made since `since`, or future) matching `predicate`. */
  waitFor(predicate: (call: ApiCall) => boolean, options?: { timeoutMs?: number; since?: number }): Promise<ApiCall>;
  /** Resolves once `count` calls match. */
  waitForCount(
    predicate: (call: ApiCall) => boolean,
    count: number,
    options?: { timeoutMs?: number; since?: number },
  ): Promise<ApiCall[]>;
  chatTranscript(chatId: number): TranscriptMessage[];
  /** Updates not yet confirmed by an offset. */
  pendingUpdates(): number;
  /** Download requests served (paths). */
  downloads: string[];
  /** The last setWebhook call's parameters (undefined before one). */
  readonly webhook:
    | { url: string; secret_token?: string; allowed_updates?: string[]; max_connections?: number }
    | undefined;
  /**
   * Delivers an update by webhook (it gets an update_id when it has none): POSTs it with the secret header to the
   * webhook URL, or to `targets` round-robin, and re-delivers (next target) on a 5xx or 429, a refused connection
   * or no answer within `timeoutMs`, as Telegram does, up to `attempts` times. Another 4xx (401, 405, 413) is
   * final here, so a test sees it at once.
   */
  deliver(
    update: Omit<Update, "update_id"> & { update_id?: number },
    options?: { targets?: readonly string[]; secret?: string; timeoutMs?: number; attempts?: number; pauseMs?: number },
  ): Promise<{ update: Update; status: number; target: string; attempts: number }>;
  /** Every webhook POST made: which update went where and what came back (0: no answer). */
  deliveries: Array<{ updateId: number; target: string; status: number }>;
  close(): Promise<void>;
}

// Telegram's HTML subset (https://core.telegram.org/bots/api#html-style).
const ALLOWED_TAGS = new Set([
  "b",
  "strong",
  "i",
  "em",
  "u",
  "ins",
  "s",
  "strike",
  "del",
  "a",
  "code",
  "pre",
  "tg-spoiler",
  "span",
  "blockquote",
  "tg-emoji",
]);
const MAX_TEXT = 4096;

class BotApiError extends Error {
  constructor(
    readonly code: number,
    readonly description: string,
    readonly parameters?: Params,
  ) {
    super(description);
  }
}

/** Parses Telegram-HTML into plain text, throwing like Telegram on bad markup. */
export function parseTelegramHtml(html: string): string {
  let out = "";
  const open: string[] = [];
  let index = 0;
  while (index < html.length) {
    const char = html[index];
    if (char === "<") {
      const end = html.indexOf(">", index);
      if (end === -1)
        throw new BotApiError(400, `Bad Request: can't parse entities: Unclosed start tag at byte offset ${index}`);
      const inner = html.slice(index + 1, end).trim();
      const closing = inner.startsWith("/");
      const name = (closing ? inner.slice(1) : inner).split(/\s/)[0]?.toLowerCase() ?? "";
      if (!ALLOWED_TAGS.has(name)) {
        throw new BotApiError(
          400,
          `Bad Request: can't parse entities: Unsupported ${closing ? "end" : "start"} tag "${name}" at byte offset ${index}`,
        );
      }
      if (closing) {
        if (open.pop() !== name) {
          throw new BotApiError(400, `Bad Request: can't parse entities: Unmatched end tag at byte offset ${index}`);
        }
      } else {
        if (name === "a" && !/href\s*=\s*"[^"]*"/.test(inner)) {
          throw new BotApiError(400, `Bad Request: can't parse entities: a tag without href at byte offset ${index}`);
        }
        open.push(name);
      }
      index = end + 1;
      continue;
    }
    if (char === "&") {
      const match = /^&(lt|gt|amp|quot|#\d+|#x[0-9a-f]+);/i.exec(html.slice(index, index + 12));
      if (!match) {
        throw new BotApiError(
          400,
          `Bad Request: can't parse entities: Character entity expected at byte offset ${index}`,
        );
      }
      const entity = match[1] ?? "";
      const named: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"' };
      out += named[entity.toLowerCase()] ?? String.fromCodePoint(Number(`0${entity.slice(1)}`.replace(/^0x/i, "0x")));
      index += match[0].length;
      continue;
    }
    if (char === ">") {
      // Telegram tolerates a bare ">" but our renderer should never send one; count it as text.
      out += char;
      index += 1;
      continue;
    }
    out += char;
    index += 1;
  }
  if (open.length > 0) {
    throw new BotApiError(
      400,
      `Bad Request: can't parse entities: Can't find end tag corresponding to start tag "${open.at(-1)}"`,
    );
  }
  return out;
}

function autoEntities(text: string): Array<{ type: string; offset: number; length: number }> {
  const entities: Array<{ type: string; offset: number; length: number }> = [];
  const command = /^\/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?/.exec(text);
  if (command) entities.push({ type: "bot_command", offset: 0, length: command[0].length });
  for (const match of text.matchAll(/https?:\/\/[^\s<>"]+/g)) {
    entities.push({ type: "url", offset: match.index ?? 0, length: match[0].length });
  }
  for (const match of text.matchAll(/(^|\s)(@[A-Za-z0-9_]{3,})/g)) {
    const offset = (match.index ?? 0) + (match[1]?.length ?? 0);
    entities.push({ type: "mention", offset, length: match[2]?.length ?? 0 });
  }
  return entities.sort((a, b) => a.offset - b.offset);
}

function parseMultipart(body: Buffer, contentType: string): Params {
  const boundary = /boundary=([^;]+)/.exec(contentType)?.[1];
  const params: Params = {};
  if (!boundary) return params;
  for (const part of body.toString("latin1").split(`--${boundary}`)) {
    const headerEnd = part.indexOf("\r\n\r\n");
    if (headerEnd === -1) continue;
    const headers = part.slice(0, headerEnd);
    const name = /name="([^"]+)"/.exec(headers)?.[1];
    if (!name) continue;
    const value = Buffer.from(part.slice(headerEnd + 4).replace(/\r\n$/, ""), "latin1");
    const fileName = /filename="([^"]+)"/.exec(headers)?.[1];
    params[name] = fileName ? { fileName, bytes: value } : value.toString("utf8");
  }
  for (const key of ["reply_markup", "chat_id", "message_id"]) {
    const value = params[key];
    if (typeof value === "string") {
      try {
        params[key] = JSON.parse(value);
      } catch {
        // leave as text
      }
    }
  }
  return params;
}

/** Starts the fake on 127.0.0.1:0. */
export async function startFakeTelegram(
  options: {
    token?: string;
    username?: string;
    botId?: number;
    /** Milliseconds for `limit` windows and pauses. @default Date.now */
    now?: () => number;
  } = {},
): Promise<FakeTelegram> {
  const clockNow = options.now ?? Date.now;
  let limits: RateLimits | undefined;
  const limitHits = { perChat: 0, global: 0 };
  const countedAt = new Map<number, number[]>();
  const globalAt: number[] = [];
  let pausedUntil = 0;
  const COUNTED = /^(sendMessage|sendDocument|sendPhoto|editMessageText|editMessageReplyMarkup|editMessageCaption)$/;
  const retryAfter = (ms: number) => ({ retry_after: Math.max(1, Math.ceil(ms / 1000)) });
  /** A 429 when this call is over a limit; otherwise counts it. */
  const checkLimits = (method: string, chatId: number | undefined, at = clockNow()) => {
    if (!limits || !COUNTED.test(method) || chatId === undefined) return undefined;
    if (at < pausedUntil) {
      limitHits.global += 1;
      return new BotApiError(429, "Too Many Requests: retry later", retryAfter(pausedUntil - at));
    }
    const chatCalls = countedAt.get(chatId) ?? [];
    if (limits.perChat) {
      const { calls, perMs } = limits.perChat;
      while (chatCalls.length > 0 && (chatCalls[0] ?? 0) <= at - perMs) chatCalls.shift();
      if (chatCalls.length >= calls) {
        limitHits.perChat += 1;
        return new BotApiError(429, "Too Many Requests: retry later", retryAfter((chatCalls[0] ?? at) + perMs - at));
      }
    }
    if (limits.global) {
      const { calls, perMs } = limits.global;
      while (globalAt.length > 0 && (globalAt[0] ?? 0) <= at - perMs) globalAt.shift();
      if (globalAt.length >= calls) {
        limitHits.global += 1;
        pausedUntil = at + (limits.globalPauseMs ?? perMs);
        return new BotApiError(429, "Too Many Requests: retry later", retryAfter(pausedUntil - at));
      }
    }
    chatCalls.push(at);
    countedAt.set(chatId, chatCalls);
    globalAt.push(at);
    return undefined;
  };
  const token = options.token ?? "123456:TEST-token_abc";
  const botId = options.botId ?? 123456;
  const botInfo: UserFromGetMe = {
    id: botId,
    is_bot: true,
    first_name: "Jianbao",
    username: options.username ?? "jianbao_test_bot",
    can_join_groups: true,
    can_read_all_group_messages: false,
    supports_inline_queries: false,
  };
  const events = new EventEmitter();
  events.setMaxListeners(100);
  const calls: ApiCall[] = [];
  const queue: Update[] = [];
  let nextUpdateId = 1;
  const failures: Array<ScriptedFailure & { left: number }> = [];
  const chats = new Map<number, { nextId: number; messages: Map<number, TranscriptMessage> }>();
  const files = new Map<string, { bytes: Uint8Array; path: string; size?: number }>();
  const filesByPath = new Map<string, Uint8Array>();
  const downloads: string[] = [];
  let nextFile = 1;
  const waiters = new Set<() => void>();

  const chatState = (chatId: number) => {
    let state = chats.get(chatId);
    if (!state) {
      state = { nextId: 1, messages: new Map() };
      chats.set(chatId, state);
    }
    return state;
  };
  const now = () => Math.floor(Date.now() / 1000);

  const record = (call: Omit<ApiCall, "index" | "at">, at = clockNow()) => {
    const full = { ...call, index: calls.length, at };
    calls.push(full);
    events.emit("call", full);
    return full;
  };

  const takeFailure = (method: string, chatId: number | undefined) => {
    const failure = failures.find(
      (item) => item.left > 0 && item.method === method && (item.chatId === undefined || item.chatId === chatId),
    );
    if (!failure) return undefined;
    failure.left -= 1;
    const description =
      failure.description ??
      (failure.code === 429
        ? `Too Many Requests: retry after ${failure.retryAfter ?? 1}`
        : failure.code === 403
          ? "Forbidden: bot was blocked by the user"
          : "Bad Request: scripted failure");
    return new BotApiError(
      failure.code,
      description,
      failure.code === 429 ? { retry_after: failure.retryAfter ?? 1 } : undefined,
    );
  };

  const botMessage = (chatId: number, params: Params, text: string) => {
    const state = chatState(chatId);
    const messageId = state.nextId++;
    const parseMode = typeof params.parse_mode === "string" ? params.parse_mode : undefined;
    const entry: TranscriptMessage = {
      message_id: messageId,
      from: "bot",
      text: parseMode === "HTML" ? parseTelegramHtml(text) : text,
      raw: text,
      parseMode,
      replyMarkup: params.reply_markup as TranscriptMessage["replyMarkup"],
      edits: 0,
      replyTo: (params.reply_parameters as { message_id?: number } | undefined)?.message_id,
    };
    state.messages.set(messageId, entry);
    return entry;
  };

  const messageObject = (chatId: number, entry: TranscriptMessage, edited = false) => ({
    message_id: entry.message_id,
    date: now(),
    ...(edited ? { edit_date: now() } : {}),
    chat:
      chatId > 0
        ? { id: chatId, type: "private", first_name: "Person" }
        : { id: chatId, type: "group", title: "Group" },
    from: { id: botId, is_bot: true, first_name: botInfo.first_name, username: botInfo.username },
    text: entry.text,
    ...(entry.replyMarkup ? { reply_markup: entry.replyMarkup } : {}),
  });

  const checkText = (params: Params) => {
    const text = typeof params.text === "string" ? params.text : "";
    if (text.trim() === "") throw new BotApiError(400, "Bad Request: message text is empty");
    const plain = params.parse_mode === "HTML" ? parseTelegramHtml(text) : text;
    // Telegram counts UTF-16 code units after parsing.
    if (plain.length > MAX_TEXT) throw new BotApiError(400, "Bad Request: message is too long");
    return text;
  };

  let webhook: FakeTelegram["webhook"];
  const handlers: Record<string, (params: Params) => unknown> = {
    getMe: () => botInfo,
    deleteWebhook: () => true,
    setWebhook: (params) => {
      webhook = params as NonNullable<FakeTelegram["webhook"]>;
      return true;
    },
    setMyCommands: () => true,
    sendChatAction: () => true,
    answerCallbackQuery: () => true,
    sendMessage: (params) => {
      const chatId = Number(params.chat_id);
      const text = checkText(params);
      return messageObject(chatId, botMessage(chatId, params, text));
    },
    editMessageText: (params) => {
      const chatId = Number(params.chat_id);
      const text = checkText(params);
      const entry = chats.get(chatId)?.messages.get(Number(params.message_id));
      if (entry?.from !== "bot") throw new BotApiError(400, "Bad Request: message to edit not found");
      const parseMode = typeof params.parse_mode === "string" ? params.parse_mode : undefined;
      const plain = parseMode === "HTML" ? parseTelegramHtml(text) : text;
      const markup = params.reply_markup as TranscriptMessage["replyMarkup"];
      if (plain === entry.text && JSON.stringify(markup) === JSON.stringify(entry.replyMarkup)) {
        throw new BotApiError(
          400,
          "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
        );
      }
      Object.assign(entry, { text: plain, raw: text, parseMode, replyMarkup: markup, edits: entry.edits + 1 });
      return messageObject(chatId, entry, true);
    },
    editMessageReplyMarkup: (params) => {
      const chatId = Number(params.chat_id);
      const entry = chats.get(chatId)?.messages.get(Number(params.message_id));
      if (!entry) throw new BotApiError(400, "Bad Request: message to edit not found");
      entry.replyMarkup = params.reply_markup as TranscriptMessage["replyMarkup"];
      entry.edits += 1;
      return messageObject(chatId, entry, true);
    },
    deleteMessage: (params) => {
      const deleted = chats.get(Number(params.chat_id))?.messages.delete(Number(params.message_id));
      if (!deleted) throw new BotApiError(400, "Bad Request: message to delete not found");
      return true;
    },
    getFile: (params) => {
      const file = files.get(String(params.file_id));
      if (!file) throw new BotApiError(400, "Bad Request: invalid file_id");
      return {
        file_id: String(params.file_id),
        file_unique_id: `u${String(params.file_id)}`,
        file_size: file.size ?? file.bytes.length,
        file_path: file.path,
      };
    },
  };

  const reply = (response: ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { "content-type": "application/json" });
    response.end(JSON.stringify(body));
  };

  const getUpdates = (params: Params, response: ServerResponse) => {
    const offset = Number(params.offset ?? 0);
    const limit = Number(params.limit ?? 100);
    const timeoutSeconds = Number(params.timeout ?? 0);
    // Confirmed updates (id < offset) are gone for good.
    while (queue.length > 0 && (queue[0]?.update_id ?? 0) < offset) queue.shift();
    // Recorded on arrival (a held long poll shows that the previous batch was handled); result filled in on answer.
    const call = record({ method: "getUpdates", params, ok: true });
    const answer = () => {
      const batch = queue.filter((update) => update.update_id >= offset).slice(0, limit);
      call.result = batch;
      reply(response, 200, { ok: true, result: batch });
    };
    if (queue.length > 0 || timeoutSeconds <= 0) return answer();
    let timer: NodeJS.Timeout | undefined;
    const wake = () => {
      waiters.delete(wake);
      if (timer) clearTimeout(timer);
      if (!response.writableEnded && !response.destroyed) answer();
    };
    waiters.add(wake);
    timer = setTimeout(wake, timeoutSeconds * 1000);
    response.on("close", () => {
      waiters.delete(wake);
      if (timer) clearTimeout(timer);
    });
  };

  const server = await startLoopbackServer((request: RecordedRequest, response) => {
    const path = new URL(request.path, "http://fake").pathname;
    const filePrefix = `/file/bot${token}/`;
    if (request.method === "GET" && path.startsWith(filePrefix)) {
      const filePath = decodeURIComponent(path.slice(filePrefix.length));
      const bytes = filesByPath.get(filePath);
      downloads.push(filePath);
      if (!bytes) return reply(response, 404, { ok: false, error_code: 404, description: "Not Found" });
      response.writeHead(200, { "content-type": "application/octet-stream", "content-length": bytes.length });
      response.end(Buffer.from(bytes));
      return;
    }
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(path);
    if (!match) return reply(response, 404, { ok: false, error_code: 404, description: "Not Found" });
    if (match[1] !== token) return reply(response, 401, { ok: false, error_code: 401, description: "Unauthorized" });
    const method = match[2] ?? "";
    const contentType = String(request.headers["content-type"] ?? "");
    let params: Params = {};
    if (contentType.startsWith("multipart/form-data")) params = parseMultipart(request.body, contentType);
    else if (request.body.length > 0) params = JSON.parse(request.body.toString("utf8")) as Params;
    if (method === "getUpdates") return getUpdates(params, response);

    if (hold?.matches(method, params)) {
      const current = hold;
      let gone = false;
      response.on("close", () => {
        gone = true;
      });
      // Telegram got it on arrival and answers late: its limits and `at` count the arrival time.
      const arrivedAt = clockNow();
      current.waiting.push(() =>
        gone ? current.dropped.push(method) : answerCall(method, params, response, arrivedAt),
      );
      return;
    }
    answerCall(method, params, response);
  });

  /** Calls held by `holdCalls` until release; a held call whose client went away is dropped, never handled. */
  let hold:
    | { matches: (method: string, params: Params) => boolean; waiting: Array<() => void>; dropped: string[] }
    | undefined;

  function answerCall(method: string, params: Params, response: ServerResponse, at = clockNow()) {
    const chatId = params.chat_id === undefined ? undefined : Number(params.chat_id);
    try {
      const failure = takeFailure(method, chatId) ?? checkLimits(method, chatId, at);
      if (failure) throw failure;
      const handler = handlers[method];
      const result = handler ? handler(params) : true;
      record({ method, params, ok: true, result }, at);
      reply(response, 200, { ok: true, result });
    } catch (error) {
      if (!(error instanceof BotApiError)) throw error;
      record({ method, params, ok: false, error_code: error.code, description: error.description }, at);
      reply(response, error.code, {
        ok: false,
        error_code: error.code,
        description: error.description,
        ...(error.parameters ? { parameters: error.parameters } : {}),
      });
    }
  }

  const pushUpdate: FakeTelegram["pushUpdate"] = (partial) => {
    const update = { ...partial, update_id: partial.update_id ?? nextUpdateId++ } as Update;
    nextUpdateId = Math.max(nextUpdateId, update.update_id + 1);
    queue.push(update);
    for (const wake of [...waiters]) wake();
    return update;
  };

  const person = (options: {
    chatId: number;
    userId?: number;
    chatType?: string;
    firstName?: string;
    languageCode?: string;
  }) => {
    const chatType = options.chatType ?? "private";
    const userId = options.userId ?? (chatType === "private" ? options.chatId : 1001);
    return {
      from: {
        id: userId,
        is_bot: false,
        first_name: options.firstName ?? "Person",
        ...(options.languageCode ? { language_code: options.languageCode } : {}),
      },
      chat:
        chatType === "private"
          ? { id: options.chatId, type: "private", first_name: options.firstName ?? "Person" }
          : { id: options.chatId, type: chatType, title: "Group" },
    };
  };

  const baseMessage = (options: Omit<MessageOptions, "text">, text: string) => {
    const state = chatState(options.chatId);
    const messageId = options.messageId ?? state.nextId++;
    state.nextId = Math.max(state.nextId, messageId + 1);
    state.messages.set(messageId, {
      message_id: messageId,
      from: "user",
      text,
      raw: text,
      edits: 0,
      replyTo: options.replyTo,
    });
    const replied = options.replyTo === undefined ? undefined : state.messages.get(options.replyTo);
    return {
      message_id: messageId,
      date: now(),
      ...person(options),
      ...(replied
        ? {
            reply_to_message: {
              message_id: replied.message_id,
              date: now(),
              chat: person(options).chat,
              ...(replied.from === "bot"
                ? { from: { id: botId, is_bot: true, first_name: botInfo.first_name, username: botInfo.username } }
                : { from: person(options).from }),
              text: replied.text,
            },
          }
        : {}),
      ...(options.forwardedFrom
        ? {
            forward_origin: {
              type: "channel",
              chat: { id: -100999, type: "channel", title: options.forwardedFrom },
              message_id: 42,
              date: now(),
            },
          }
        : {}),
    };
  };

  const textMessage: FakeTelegram["textMessage"] = (options) => {
    const text = options.text ?? "";
    return {
      message: {
        ...baseMessage(options, text),
        text,
        entities: options.entities ?? autoEntities(text),
      },
    } as unknown as Update;
  };

  const addFile: FakeTelegram["addFile"] = (bytes, fileName = "file.bin") => {
    const id = `file${nextFile++}`;
    const path = `documents/${id}_${fileName.replace(/[^\w.-]/g, "_")}`;
    files.set(id, { bytes, path });
    filesByPath.set(path, bytes);
    return { file_id: id, file_path: path };
  };

  const documentMessage: FakeTelegram["documentMessage"] = (options) => {
    const { file_id } = addFile(options.bytes, options.fileName);
    const file = files.get(file_id);
    if (file && options.fileSize !== undefined) file.size = options.fileSize;
    const caption = options.caption;
    return {
      message: {
        ...baseMessage(options, caption ?? `[${options.fileName}]`),
        document: {
          file_id,
          file_unique_id: `u${file_id}`,
          file_name: options.fileName,
          mime_type: options.mimeType ?? "application/octet-stream",
          file_size: options.fileSize ?? options.bytes.length,
        },
        ...(caption ? { caption, caption_entities: autoEntities(caption) } : {}),
      },
    } as unknown as Update;
  };

  let nextCallback = 1;
  const callbackQuery: FakeTelegram["callbackQuery"] = (options) => {
    const who = person(options);
    const target = chats.get(options.chatId)?.messages.get(options.messageId);
    return {
      callback_query: {
        id: `cb${nextCallback++}`,
        from: who.from,
        chat_instance: `ci${options.chatId}`,
        data: options.data,
        message: {
          message_id: options.messageId,
          date: now(),
          chat: who.chat,
          from: { id: botId, is_bot: true, first_name: botInfo.first_name, username: botInfo.username },
          text: target?.text ?? "",
          ...(target?.replyMarkup ? { reply_markup: target.replyMarkup } : {}),
        },
      },
    } as unknown as Update;
  };

  const waitForCount: FakeTelegram["waitForCount"] = (predicate, count, waitOptions = {}) => {
    const since = waitOptions.since ?? 0;
    const timeoutMs = waitOptions.timeoutMs ?? 10_000;
    const matches = () => calls.slice(since).filter(predicate);
    const already = matches();
    if (already.length >= count) return Promise.resolve(already.slice(0, count));
    return new Promise((resolve, reject) => {
      const onCall = () => {
        const found = matches();
        if (found.length >= count) {
          clearTimeout(timer);
          events.off("call", onCall);
          resolve(found.slice(0, count));
        }
      };
      const timer = setTimeout(() => {
        events.off("call", onCall);
        const seen = calls
          .slice(since)
          .filter((call) => call.method !== "getUpdates")
          .map((call) => `${call.method}${call.ok ? "" : `(${call.error_code})`}`)
          .join(", ");
        reject(
          new Error(`fake Telegram: waited ${timeoutMs} ms for ${count} matching call(s); saw: ${seen || "none"}`),
        );
      }, timeoutMs);
      events.on("call", onCall);
    });
  };

  const deliveries: FakeTelegram["deliveries"] = [];
  let nextTarget = 0;
  const deliver: FakeTelegram["deliver"] = async (partial, deliverOptions = {}) => {
    const update = { ...partial, update_id: partial.update_id ?? nextUpdateId++ } as Update;
    nextUpdateId = Math.max(nextUpdateId, update.update_id + 1);
    const targets = deliverOptions.targets ?? (webhook ? [webhook.url] : []);
    if (targets.length === 0) throw new Error("fake Telegram: no webhook set and no targets given");
    const secret = deliverOptions.secret ?? webhook?.secret_token;
    const attempts = deliverOptions.attempts ?? 100;
    const body = JSON.stringify(update);
    for (let attempt = 1; ; attempt += 1) {
      const target = targets[nextTarget++ % targets.length] as string;
      let status = 0;
      try {
        const response = await fetch(target, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            ...(secret ? { "x-telegram-bot-api-secret-token": secret } : {}),
          },
          body,
          signal: AbortSignal.timeout(deliverOptions.timeoutMs ?? 5000),
        });
        status = response.status;
        await response.arrayBuffer().catch(() => undefined);
      } catch {
        status = 0;
      }
      deliveries.push({ updateId: update.update_id, target, status });
      if ((status >= 200 && status < 300) || attempt >= attempts || (status >= 400 && status < 500 && status !== 429)) {
        return { update, status, target, attempts: attempt };
      }
      await new Promise((resolve) => setTimeout(resolve, deliverOptions.pauseMs ?? 100));
    }
  };

  return {
    url: server.url,
    token,
    botInfo,
    calls,
    downloads,
    get webhook() {
      return webhook;
    },
    deliver,
    deliveries,
    callsTo: (method) => calls.filter((call) => call.method === method),
    pushUpdate,
    textMessage,
    documentMessage,
    callbackQuery,
    sendText: (options) => pushUpdate(textMessage(options)),
    sendDocument: (options) => pushUpdate(documentMessage(options)),
    pressButton: (options) => pushUpdate(callbackQuery(options)),
    addFile,
    fail: (failure) => failures.push({ ...failure, left: failure.times ?? 1 }),
    holdCalls(predicate) {
      const current = { matches: predicate, waiting: [] as Array<() => void>, dropped: [] as string[] };
      hold = current;
      return {
        held: () => current.waiting.length,
        dropped: current.dropped,
        release() {
          if (hold === current) hold = undefined;
          for (const answer of current.waiting.splice(0)) answer();
        },
      };
    },
    limit: (next) => {
      limits = next;
    },
    limitHits,
    waitFor: async (predicate, waitOptions) => (await waitForCount(predicate, 1, waitOptions))[0] as ApiCall,
    waitForCount,
    chatTranscript: (chatId) =>
      [...(chats.get(chatId)?.messages.values() ?? [])].sort((a, b) => a.message_id - b.message_id),
    pendingUpdates: () => queue.length,
    close: async () => {
      for (const wake of [...waiters]) wake();
      await server.close();
    },
  };
}
