/**
 * The terminal chat: with no TELEGRAM_BOT_TOKEN, `npm start` talks to the very same bot (handlers,
 * commands, formatting) through stdin/stdout. The Telegraf instance gets a botInfo and a local
 * transport in place of HTTP: sendMessage/editMessageText are printed as text (HTML made readable,
 * buttons as numbered choices), and each input becomes a message update.
 *
 * Input, a line at a time (typed or piped):
 *   - typed (a terminal): lines arriving within PASTE_JOIN_MS of each other form one message (a
 *     pasted page arrives as a burst of lines);
 *   - piped (`npm start < page.txt`): timing means nothing (everything is there at once), so lines
 *     form one message until a line with a single ".", a command, or the end of input;
 *   - in both, a line with a single "." ends the message now; a command, a lone link or a file path
 *     is always a message of its own; control characters (a stray Ctrl-L) are dropped;
 *   - the path of an existing file is sent as an uploaded document (the bot says which types it reads);
 *     a path to nothing gets a short note;
 *   - `/1`, `/2`… press the numbered buttons; `> question` replies to the latest summary;
 *   - `/quit` or end of input (Ctrl-D) leaves.
 * Messages are handled one after another, each finished (summary edited in) before the next.
 */
import { statSync } from "node:fs";
import { homedir } from "node:os";
import { basename, extname, resolve } from "node:path";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import { TelegramError } from "telegraf";
import type { Update, UserFromGetMe } from "telegraf/types";
import type { BotApp } from "./bot/index.js";
import { t } from "./i18n/index.js";
import { READABLE_FILES } from "./pipeline/input.js";
import { interfaceLang, langFromTelegram } from "./store/records.js";
import { htmlToText } from "./text/html.js";
import type { Lang } from "./types.js";

export const TERMINAL_BOT_INFO: UserFromGetMe = {
  id: 1_000_000,
  is_bot: true,
  first_name: "简报 Jianbao",
  username: "jianbao_terminal_bot",
  can_join_groups: false,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
};

/** The local API root; getFile answers with absolute paths, which telegraf turns into file:// links. */
export const TERMINAL_API_ROOT = "http://localhost";

/** A line with just this ends the message being typed or piped (as in mail and ed). */
export const END_OF_MESSAGE = ".";
/** A command line: `/word`, optionally `@bot`, then nothing or a space and arguments. */
const COMMAND_LINE = /^\/[A-Za-z0-9_]+(@\w+)?(\s|$)/;
/** Control characters other than tab (a stray Ctrl-L or escape sequence would hide a command). */
const CONTROL_CHARACTERS = /(?!\t)\p{Cc}/gu;

/**
 * The person's language from a POSIX locale (LC_ALL / LC_MESSAGES / LANG), Telegram-style ("zh-CN"),
 * or undefined when the locale says nothing about it ("C", "POSIX", unset): then the bot follows
 * the language the person writes in.
 */
export function languageFromLocale(locale: string | undefined): string | undefined {
  const name = locale?.split(/[.@]/)[0]?.trim() ?? "";
  if (!name || /^(c|posix)$/i.test(name)) return undefined;
  return name.replace("_", "-");
}

export interface TerminalChatOptions {
  app: BotApp;
  input: Readable;
  output: Writable;
  /** Lines closer together than this are one message. */
  pasteJoinMs: number;
  /** Telegram-style language code of the person (from the LANG environment variable), e.g. "zh". */
  languageCode?: string;
  /**
   * A person typing at a terminal: show a prompt and join lines by timing (PASTE_JOIN_MS).
   * False for piped input: lines are joined until a "." line, a command or the end. @default false
   */
  interactive?: boolean;
  /** The person's name in the chat. @default "you" */
  userName?: string;
}

interface StoredMessage {
  text: string;
  buttons: Array<{ text: string; data?: string; url?: string }>;
}

type Params = Record<string, unknown>;

/** Plain-text rendering of an outgoing message for the terminal. */
function display(params: Params): string {
  const raw = String(params.text ?? "");
  return params.parse_mode === "HTML" ? htmlToText(raw) : raw;
}

function buttonsOf(params: Params): StoredMessage["buttons"] {
  const markup = params.reply_markup as
    | { inline_keyboard?: Array<Array<{ text: string; callback_data?: string; url?: string }>> }
    | undefined;
  return (markup?.inline_keyboard ?? []).flat().map((button) => ({
    text: button.text,
    data: button.callback_data,
    url: button.url,
  }));
}

/** Runs the chat until the input ends or the person types /quit. */
export async function runTerminalChat(options: TerminalChatOptions): Promise<void> {
  const { app, output } = options;
  const chatId = 1;
  const userId = 1;
  const user = {
    id: userId,
    is_bot: false,
    first_name: options.userName ?? "you",
    ...(options.languageCode ? { language_code: options.languageCode } : {}),
  };
  const chat = { id: chatId, type: "private" as const, first_name: user.first_name };
  const messages = new Map<number, StoredMessage>();
  const choices = new Map<number, { messageId: number; data: string }>();
  let nextMessageId = 1;
  let nextUpdateId = 1;
  let nextChoice = 1;
  let lastSummaryId: number | undefined;
  const write = (text: string) => output.write(`${text}\n`);
  const now = () => Math.floor(Date.now() / 1000);
  const interactive = options.interactive === true;
  /** The person's interface language, as the bot sees it now (it may follow what they write). */
  const currentLang = async (): Promise<Lang> => {
    const record = await app.kit.deps.records.users.get(String(userId)).catch(() => undefined);
    return record
      ? interfaceLang(record, app.kit.deps.config.bot.defaultLang)
      : (langFromTelegram(options.languageCode) ?? interfaceLang(undefined, app.kit.deps.config.bot.defaultLang));
  };

  const printBotMessage = (messageId: number, stored: StoredMessage) => {
    write(`\n简报 › ${stored.text.replace(/\n/g, "\n       ")}`);
    const labels: string[] = [];
    for (const button of stored.buttons) {
      if (button.data) {
        const number = nextChoice++;
        choices.set(number, { messageId, data: button.data });
        labels.push(`[/${number}] ${button.text}`);
      } else if (button.url) {
        labels.push(`${button.text}: ${button.url}`);
      }
    }
    if (labels.length > 0) write(`       ${labels.join("   ")}`);
    if (stored.buttons.some((button) => button.data?.startsWith("jb:sl:"))) lastSummaryId = messageId;
  };

  const botMessageObject = (messageId: number, text: string, edited = false) => ({
    message_id: messageId,
    date: now(),
    ...(edited ? { edit_date: now() } : {}),
    chat,
    from: { id: TERMINAL_BOT_INFO.id, is_bot: true, first_name: TERMINAL_BOT_INFO.first_name },
    text,
  });

  // The transport: every Bot API call the bot makes lands here instead of on api.telegram.org.
  const callApi = async (method: string, payload: unknown): Promise<unknown> => {
    const params = (payload ?? {}) as Params;
    switch (method) {
      case "getMe":
        return TERMINAL_BOT_INFO;
      case "sendMessage": {
        const messageId = nextMessageId++;
        const stored = { text: display(params), buttons: buttonsOf(params) };
        messages.set(messageId, stored);
        printBotMessage(messageId, stored);
        return botMessageObject(messageId, stored.text);
      }
      case "editMessageText": {
        const messageId = Number(params.message_id);
        const previous = messages.get(messageId);
        if (!previous) {
          throw new TelegramError({ error_code: 400, description: "Bad Request: message to edit not found" });
        }
        const stored = { text: display(params), buttons: buttonsOf(params) };
        messages.set(messageId, stored);
        printBotMessage(messageId, stored);
        return botMessageObject(messageId, stored.text, true);
      }
      case "editMessageReplyMarkup": {
        const messageId = Number(params.message_id);
        const previous = messages.get(messageId);
        if (previous) {
          previous.buttons = buttonsOf(params);
          printBotMessage(messageId, previous);
        }
        return botMessageObject(messageId, previous?.text ?? "", true);
      }
      case "answerCallbackQuery":
        if (params.text) write(`\nℹ️  ${String(params.text)}`);
        return true;
      case "getFile": {
        const path = String(params.file_id);
        return { file_id: path, file_unique_id: path, file_size: statSync(path).size, file_path: path };
      }
      default:
        // sendChatAction, deleteMessage, setMyCommands…: nothing to show.
        return true;
    }
  };
  const telegram = app.bot.telegram as unknown as { callApi: typeof callApi };
  telegram.callApi = callApi;
  // telegraf builds a fresh Telegram client per update; handing ours to every context routes all calls here.
  (app.bot.context as { telegram?: unknown }).telegram = app.bot.telegram;
  app.bot.botInfo = TERMINAL_BOT_INFO;

  const feed = async (update: Omit<Update, "update_id">) => {
    await app.bot.handleUpdate({ ...update, update_id: nextUpdateId++ } as Update);
    await app.settled();
  };

  const userMessage = (extra: Params) => ({
    message: { message_id: nextMessageId++, date: now(), from: user, chat, ...extra },
  });

  const textMessage = (text: string, replyTo?: number) => {
    const entities: Array<{ type: string; offset: number; length: number }> = [];
    const command = /^\/[A-Za-z0-9_]+/.exec(text);
    if (command) entities.push({ type: "bot_command", offset: 0, length: command[0].length });
    // Like Telegram's own link detection: full-width punctuation and a trailing "." or ")" are not part of the link.
    for (const match of text.matchAll(/https?:\/\/[^\s<>"'，。）、！？；：]+/g)) {
      const link = match[0].replace(/[.,;:!?)\]'"]+$/, "");
      entities.push({ type: "url", offset: match.index ?? 0, length: link.length });
    }
    const replied = replyTo === undefined ? undefined : messages.get(replyTo);
    return userMessage({
      text,
      ...(entities.length > 0 ? { entities } : {}),
      ...(replied && replyTo !== undefined
        ? {
            reply_to_message: {
              ...botMessageObject(replyTo, replied.text),
              from: { id: TERMINAL_BOT_INFO.id, is_bot: true, first_name: TERMINAL_BOT_INFO.first_name },
            },
          }
        : {}),
    });
  };

  const isFile = (path: string) => {
    try {
      return statSync(path).isFile();
    } catch {
      return false;
    }
  };
  /**
   * The line as a path on this disk when it looks like one (`/a/b.html`, `./x.txt`, `~/x`, `page.md`), or
   * names an existing .html/.txt/.md file (spaces allowed; a terminal's drag-and-drop escapes them as "\ ").
   */
  const pathOf = (line: string): string | undefined => {
    const trimmed = line
      .trim()
      .replace(/^['"]|['"]$/g, "")
      .replace(/\\ /g, " ");
    if (!trimmed || trimmed.includes("\n") || /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) return undefined;
    const path = resolve(trimmed.replace(/^~(?=\/)/, homedir()));
    const knownType = READABLE_FILES[extname(trimmed).toLowerCase()] !== undefined;
    if (knownType && isFile(path)) return path;
    const looksLikePath =
      /^(~|\.{1,2})?\/\S*\/\S*$/.test(trimmed) ||
      /^(~|\.{1,2})\/\S+$/.test(trimmed) ||
      (knownType && !/\s/.test(trimmed));
    return looksLikePath ? path : undefined;
  };
  const asFilePath = (line: string): string | undefined => {
    const path = pathOf(line);
    return path && isFile(path) ? path : undefined;
  };

  /** Handles one message-worth of input; false when the person wants to leave. */
  const handleBlock = async (block: string): Promise<boolean> => {
    const text = block.replace(/\s+$/, "");
    if (!text.trim()) return true;
    const single = text.trim();
    if (/^\/(quit|exit)$/i.test(single)) return false;
    const choice = /^\/(\d+)$/.exec(single);
    if (choice) {
      const picked = choices.get(Number(choice[1]));
      if (!picked) {
        write(`\n${t(await currentLang(), "terminalNoButton", { number: choice[1] ?? "" })}`);
        return true;
      }
      const shown = messages.get(picked.messageId);
      await feed({
        callback_query: {
          id: `cb${nextUpdateId}`,
          from: user,
          chat_instance: "terminal",
          data: picked.data,
          message: botMessageObject(picked.messageId, shown?.text ?? ""),
        },
      } as unknown as Omit<Update, "update_id">);
      return true;
    }
    const filePath = asFilePath(single);
    if (filePath) {
      const size = statSync(filePath).size;
      await feed(
        userMessage({
          document: {
            file_id: filePath,
            file_unique_id: filePath,
            file_name: basename(filePath),
            mime_type: READABLE_FILES[extname(filePath).toLowerCase()] ?? "text/plain",
            file_size: size,
          },
        }) as unknown as Omit<Update, "update_id">,
      );
      return true;
    }
    const missingPath = COMMAND_LINE.test(single) ? undefined : pathOf(single);
    if (missingPath) {
      let folder = false;
      try {
        folder = statSync(missingPath).isDirectory();
      } catch {
        // nothing there
      }
      write(`\n${t(await currentLang(), folder ? "terminalNotAFile" : "terminalNoFile", { path: missingPath })}`);
      return true;
    }
    if (single.startsWith(">")) {
      const question = single.replace(/^>\s*/, "");
      // No summary shown in this session (e.g. after a restart): /ask takes the chat's latest article,
      // or says there is none yet.
      const message =
        lastSummaryId === undefined ? textMessage(`/ask ${question}`) : textMessage(question, lastSummaryId);
      await feed(message as unknown as Omit<Update, "update_id">);
      return true;
    }
    await feed(textMessage(text) as unknown as Omit<Update, "update_id">);
    // The bot's /help knows nothing of buttons by number or piped input: add the terminal's part.
    if (/^\/help(@\w+)?$/i.test(single)) write(`\n${t(await currentLang(), "terminalHelp")}`);
    return true;
  };

  write(t(langFromTelegram(options.languageCode) ?? "en", "terminalBanner"));

  // Lines become blocks: a command, a lone link or a file path stands alone; a "." line ends a block;
  // other lines are joined — typed: while they keep coming within pasteJoinMs (a paste arrives as a
  // burst of lines); piped: until a "." line, a command or the end of input.
  const blocks: string[] = [];
  let pending: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;
  let ended = false;
  const flushPending = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (pending.length > 0) blocks.push(pending.join("\n"));
    pending = [];
    wake?.();
  };
  const standsAlone = (line: string) => {
    const trimmed = line.trim();
    return trimmed.startsWith("/") || trimmed.startsWith(">") || /^https?:\/\/\S+$/.test(trimmed) || !!pathOf(trimmed);
  };
  const lines = createInterface({ input: options.input, terminal: false });
  lines.on("line", (raw) => {
    const line = raw.replace(CONTROL_CHARACTERS, "");
    if (line.trim() === END_OF_MESSAGE) {
      flushPending();
      return;
    }
    if (pending.length === 0 && standsAlone(line)) {
      blocks.push(line);
      wake?.();
      return;
    }
    // A command or a "> reply" ends a page even when it arrives with it (piped input arrives at once).
    if (pending.length > 0 && (COMMAND_LINE.test(line.trim()) || line.trim().startsWith(">"))) {
      flushPending();
      blocks.push(line);
      wake?.();
      return;
    }
    pending.push(line);
    if (!interactive) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(flushPending, options.pasteJoinMs);
  });
  lines.on("close", () => {
    ended = true;
    flushPending();
    wake?.();
  });

  const showPrompt = async () => {
    if (interactive) output.write(t(await currentLang(), "terminalPrompt"));
  };
  await showPrompt();
  for (;;) {
    const block = blocks.shift();
    if (block === undefined) {
      if (ended) break;
      await new Promise<void>((resolveWake) => {
        wake = resolveWake;
      });
      wake = undefined;
      continue;
    }
    const keepGoing = await handleBlock(block);
    if (!keepGoing) break;
    await showPrompt();
  }
  lines.close();
  await app.settled();
}
