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
  const session = new TerminalSession(options);
  session.attach();
  const interactive = options.interactive === true;
  session.write(t(langFromTelegram(options.languageCode) ?? "en", "terminalBanner"));
  const blocks = readBlocks(options.input, interactive, options.pasteJoinMs);
  const showPrompt = async () => {
    if (interactive) options.output.write(t(await session.currentLang(), "terminalPrompt"));
  };
  await showPrompt();
  for (let block = await blocks.next(); block !== undefined; block = await blocks.next()) {
    if (!(await session.handleBlock(block))) break;
    await showPrompt();
  }
  blocks.close();
  await options.app.settled();
}

type Incoming = Omit<Update, "update_id">;

/** One person chatting with the bot in this terminal: the chat's messages, its numbered buttons, the fake Bot API. */
class TerminalSession {
  private readonly app: BotApp;
  private readonly user: { id: number; is_bot: false; first_name: string; language_code?: string };
  private readonly chat: { id: number; type: "private"; first_name: string };
  private readonly messages = new Map<number, StoredMessage>();
  private readonly choices = new Map<number, { messageId: number; data: string }>();
  private nextMessageId = 1;
  /** Unique across runs, as Telegram's are: jobs are named after their update (bot/reading.ts, updateJobId). */
  private nextUpdateId = Date.now();
  private nextChoice = 1;
  private lastSummaryId: number | undefined;

  constructor(private readonly options: TerminalChatOptions) {
    this.app = options.app;
    this.user = {
      id: 1,
      is_bot: false,
      first_name: options.userName ?? "you",
      ...(options.languageCode ? { language_code: options.languageCode } : {}),
    };
    this.chat = { id: 1, type: "private", first_name: this.user.first_name };
  }

  write(text: string): void {
    this.options.output.write(`${text}\n`);
  }

  /** The person's interface language, as the bot sees it now (it may follow what they write). */
  async currentLang(): Promise<Lang> {
    const { records, config } = this.app.kit.deps;
    const record = await records.users.get(String(this.user.id)).catch(() => undefined);
    return record
      ? interfaceLang(record, config.bot.defaultLang)
      : (langFromTelegram(this.options.languageCode) ?? interfaceLang(undefined, config.bot.defaultLang));
  }

  /** Routes every Bot API call the bot makes to `callApi` instead of api.telegram.org. */
  attach(): void {
    // The terminal's screen is the base call under the bot's transport (every context already uses its client).
    this.app.transport.route((method, payload) => this.callApi(method, (payload ?? {}) as Params));
    this.app.bot.botInfo = TERMINAL_BOT_INFO;
  }

  private async callApi(method: string, params: Params): Promise<unknown> {
    switch (method) {
      case "getMe":
        return TERMINAL_BOT_INFO;
      case "sendMessage": {
        const messageId = this.nextMessageId++;
        return this.show(messageId, { text: display(params), buttons: buttonsOf(params) });
      }
      case "editMessageText": {
        const messageId = Number(params.message_id);
        if (!this.messages.has(messageId)) {
          throw new TelegramError({ error_code: 400, description: "Bad Request: message to edit not found" });
        }
        return this.show(messageId, { text: display(params), buttons: buttonsOf(params) }, true);
      }
      case "editMessageReplyMarkup": {
        const messageId = Number(params.message_id);
        const previous = this.messages.get(messageId);
        if (previous) {
          previous.buttons = buttonsOf(params);
          this.print(messageId, previous);
        }
        return this.botMessage(messageId, previous?.text ?? "", true);
      }
      case "answerCallbackQuery":
        if (params.text) this.write(`\nℹ️  ${String(params.text)}`);
        return true;
      case "getFile": {
        const path = String(params.file_id);
        return { file_id: path, file_unique_id: path, file_size: statSync(path).size, file_path: path };
      }
      default:
        // sendChatAction, deleteMessage, setMyCommands…: nothing to show.
        return true;
    }
  }

  private show(messageId: number, stored: StoredMessage, edited = false) {
    this.messages.set(messageId, stored);
    this.print(messageId, stored);
    return this.botMessage(messageId, stored.text, edited);
  }

  private print(messageId: number, stored: StoredMessage): void {
    this.write(`\n简报 › ${stored.text.replace(/\n/g, "\n       ")}`);
    const labels: string[] = [];
    for (const button of stored.buttons) {
      if (button.data) {
        const number = this.nextChoice++;
        this.choices.set(number, { messageId, data: button.data });
        labels.push(`[/${number}] ${button.text}`);
      } else if (button.url) {
        labels.push(`${button.text}: ${button.url}`);
      }
    }
    if (labels.length > 0) this.write(`       ${labels.join("   ")}`);
    if (stored.buttons.some((button) => button.data?.startsWith("jb:sl:"))) this.lastSummaryId = messageId;
  }

  private botMessage(messageId: number, text: string, edited = false) {
    const date = Math.floor(Date.now() / 1000);
    return {
      message_id: messageId,
      date,
      ...(edited ? { edit_date: date } : {}),
      chat: this.chat,
      from: { id: TERMINAL_BOT_INFO.id, is_bot: true, first_name: TERMINAL_BOT_INFO.first_name },
      text,
    };
  }

  private async feed(update: Incoming): Promise<void> {
    await this.app.bot.handleUpdate({ ...update, update_id: this.nextUpdateId++ } as Update);
    await this.app.settled();
  }

  private userMessage(extra: Params): Incoming {
    const message = {
      message_id: this.nextMessageId++,
      date: Math.floor(Date.now() / 1000),
      from: this.user,
      chat: this.chat,
      ...extra,
    };
    return { message } as unknown as Incoming;
  }

  private textMessage(text: string, replyTo?: number): Incoming {
    const entities: Array<{ type: string; offset: number; length: number }> = [];
    const command = /^\/[A-Za-z0-9_]+/.exec(text);
    if (command) entities.push({ type: "bot_command", offset: 0, length: command[0].length });
    // Like Telegram's own link detection: full-width punctuation and a trailing "." or ")" are not part of the link.
    for (const match of text.matchAll(/https?:\/\/[^\s<>"'，。）、！？；：]+/g)) {
      const link = match[0].replace(/[.,;:!?)\]'"]+$/, "");
      entities.push({ type: "url", offset: match.index ?? 0, length: link.length });
    }
    const replied = replyTo === undefined ? undefined : this.messages.get(replyTo);
    return this.userMessage({
      text,
      ...(entities.length > 0 ? { entities } : {}),
      ...(replied && replyTo !== undefined ? { reply_to_message: this.botMessage(replyTo, replied.text) } : {}),
    });
  }

  /** Handles one message-worth of input; false when the person wants to leave. */
  async handleBlock(block: string): Promise<boolean> {
    const text = block.replace(/\s+$/, "");
    const single = text.trim();
    if (!single) return true;
    if (/^\/(quit|exit)$/i.test(single)) return false;
    const choice = /^\/(\d+)$/.exec(single);
    if (choice) return this.pressButton(choice[1] ?? "");
    const filePath = asFilePath(single);
    if (filePath) return this.upload(filePath);
    const missingPath = COMMAND_LINE.test(single) ? undefined : pathOf(single);
    if (missingPath) {
      const key = isFolder(missingPath) ? "terminalNotAFile" : "terminalNoFile";
      this.write(`\n${t(await this.currentLang(), key, { path: missingPath })}`);
      return true;
    }
    if (single.startsWith(">")) {
      const question = single.replace(/^>\s*/, "");
      // No summary shown in this session (e.g. after a restart): /ask takes the chat's latest article,
      // or says there is none yet.
      const last = this.lastSummaryId;
      await this.feed(last === undefined ? this.textMessage(`/ask ${question}`) : this.textMessage(question, last));
      return true;
    }
    await this.feed(this.textMessage(text));
    // The bot's /help knows nothing of buttons by number or piped input: add the terminal's part.
    if (/^\/help(@\w+)?$/i.test(single)) this.write(`\n${t(await this.currentLang(), "terminalHelp")}`);
    return true;
  }

  private async pressButton(number: string): Promise<boolean> {
    const picked = this.choices.get(Number(number));
    if (!picked) {
      this.write(`\n${t(await this.currentLang(), "terminalNoButton", { number })}`);
      return true;
    }
    const shown = this.messages.get(picked.messageId);
    await this.feed({
      callback_query: {
        id: `cb${this.nextUpdateId}`,
        from: this.user,
        chat_instance: "terminal",
        data: picked.data,
        message: this.botMessage(picked.messageId, shown?.text ?? ""),
      },
    } as unknown as Incoming);
    return true;
  }

  private async upload(filePath: string): Promise<boolean> {
    await this.feed(
      this.userMessage({
        document: {
          file_id: filePath,
          file_unique_id: filePath,
          file_name: basename(filePath),
          mime_type: READABLE_FILES[extname(filePath).toLowerCase()] ?? "text/plain",
          file_size: statSync(filePath).size,
        },
      }),
    );
    return true;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The line as a path on this disk when it looks like one (`/a/b.html`, `./x.txt`, `~/x`, `page.md`), or
 * names an existing .html/.txt/.md file (spaces allowed; a terminal's drag-and-drop escapes them as "\ ").
 */
function pathOf(line: string): string | undefined {
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
}

function asFilePath(line: string): string | undefined {
  const path = pathOf(line);
  return path && isFile(path) ? path : undefined;
}

/**
 * Lines become blocks: a command, a lone link or a file path stands alone; a "." line ends a block;
 * other lines are joined — typed: while they keep coming within pasteJoinMs (a paste arrives as a
 * burst of lines); piped: until a "." line, a command or the end of input. `next` is undefined at the end.
 */
function readBlocks(input: Readable, interactive: boolean, pasteJoinMs: number) {
  const blocks: string[] = [];
  let pending: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;
  let ended = false;
  const push = (block: string) => {
    blocks.push(block);
    wake?.();
  };
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
  const lines = createInterface({ input, terminal: false });
  lines.on("line", (raw) => {
    const line = raw.replace(CONTROL_CHARACTERS, "");
    if (line.trim() === END_OF_MESSAGE) return flushPending();
    if (pending.length === 0 && standsAlone(line)) return push(line);
    // A command or a "> reply" ends a page even when it arrives with it (piped input arrives at once).
    if (pending.length > 0 && (COMMAND_LINE.test(line.trim()) || line.trim().startsWith(">"))) {
      flushPending();
      return push(line);
    }
    pending.push(line);
    if (!interactive) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(flushPending, pasteJoinMs);
  });
  lines.on("close", () => {
    ended = true;
    flushPending();
  });
  return {
    async next(): Promise<string | undefined> {
      for (;;) {
        const block = blocks.shift();
        if (block !== undefined || ended) return block;
        await new Promise<void>((resolveWake) => {
          wake = resolveWake;
        });
        wake = undefined;
      }
    },
    close: () => lines.close(),
  };
}
