/**
 * The types the bot and its features share: what the bot is built from (`BotDeps`), what features
 * receive (`FeatureKit`, `ResolvedDeps`), the per-update context (`BotContext`, `Person`), and the
 * feature contract (`BotFeature`). They live here, below index.ts and every feature file, so a
 * feature never imports the file that composes it.
 */
import type { Composer, Context, Telegram } from "telegraf";
import type { InlineKeyboardButton } from "telegraf/types";
import type { Config } from "../config.js";
import type { LlmClient } from "../llm/client.js";
import type { Logger } from "../log.js";
import type { Metrics } from "../metrics.js";
import type { FetchOptions } from "../pipeline/fetch.js";
import type { ReadingDeps } from "../pipeline/read.js";
import type { JobLedger } from "../store/jobs.js";
import type { Records, UserRecord } from "../store/records.js";
import type { Collection, Store } from "../store/store.js";
import type { TelegramPacer } from "../telegram/pacer.js";
import type { Lang, LangChoice, Summary } from "../types.js";
import type { CpuWork } from "../workers/cpu.js";
import type { Clock, JobQueue } from "./jobs.js";
import type { PastePieces } from "./paste-pieces.js";
import type { SendKit } from "./send.js";
import type { Stats } from "./stats.js";

/** What the bot needs from the outside world. Everything but config/store/logger has a default. */
export interface BotDeps {
  config: Config;
  store: Store;
  /** @default records(store) */
  records?: Records;
  /** Unset → offline summaries. Pass the concurrency-limited client (src/llm/limit.ts). */
  llm?: LlmClient;
  logger: Logger;
  /** @default systemClock */
  clock?: Clock;
  /** @default from config.fetch */
  fetchOptions?: FetchOptions;
  /** @default a queue of 8 jobs at once, 200 waiting */
  jobs?: JobQueue;
  /** Used to download uploaded files. @default globalThis.fetch */
  fetch?: typeof globalThis.fetch;
  /** The CPU stages (cleaning, offline summaries): the worker pool in main.ts. @default inlineCpu */
  cpu?: CpuWork;
  /** Accepted reads and questions, recorded with a lease (store/jobs.ts). @default a ledger over `store` and `jobs` */
  ledger?: JobLedger;
  /** Telegram pacing for every send and edit. @default pacerFor(store): shared through Redis, else in memory */
  pacer?: TelegramPacer;
  /** Prometheus counters. @default a registry of this bot's own */
  metrics?: Metrics;
}

/** `BotDeps` with every default filled in: what features receive. */
export interface ResolvedDeps extends Required<Omit<BotDeps, "llm">> {
  llm?: LlmClient;
  /** Summaries cached per article and language (summarize.ts owns the keys). */
  summaryCache: Collection<Summary>;
  stats: Stats;
  /** The reading chain's I/O (pipeline/read.ts), built from the above and the config. */
  reading: ReadingDeps;
}

/** Who sent an update and which languages to use, loaded once per update. */
export interface Person {
  userId: number;
  chatId: number;
  isPrivate: boolean;
  /** The interface language: /lang zh|en, else Telegram's language_code, else the language they write in, else DEFAULT_LANG, else en. */
  lang: Lang;
  /** The summary language choice: /lang, else DEFAULT_LANG. */
  summaryLang: LangChoice;
  user: UserRecord;
  /**
   * Takes `cost` from the person's per-minute budget (RATE_LIMIT_PER_MINUTE, shared by replicas on Redis). When it is spent,
   * replies with a polite "wait" message and returns false. Call before starting model work.
   */
  spend(cost?: number): Promise<boolean>;
}

/** The telegraf context every handler gets; `jb` is set by the person middleware. */
export interface BotContext extends Context {
  jb: Person;
}

/** A command a feature offers, for /help and Telegram's command menu. */
export interface CommandInfo {
  command: string;
  description: Record<Lang, string>;
}

/** What a feature receives when it registers. */
export interface FeatureKit {
  deps: ResolvedDeps;
  /** The bot's API client, for sends outside an update (digests). Inside a handler use ctx.telegram. */
  telegram: Telegram;
  /** telegram + logger + clock, for send.ts helpers (sendRich/editRich with retry and plain-text fallback). */
  send: SendKit;
  /** Extra button rows under a summary, collected from every feature's `summaryButtons`. */
  summaryButtons(input: SummaryButtonInput): InlineKeyboardButton[][];
  /** Bot username without @ (for mentions in groups). */
  botUsername(): string;
  /** The pieces of pasted pages, joined in the store across replicas. */
  pastes: PastePieces;
}

export interface SummaryButtonInput {
  summary: Summary;
  articleId: string;
  chatId: number;
  lang: Lang;
}

/** A pluggable feature (follow-up questions, subscriptions…). */
export interface BotFeature {
  name: string;
  /** Adds handlers; they run after the built-in features, before the fallback. Call next() for what you don't handle. */
  register(composer: Composer<BotContext>, kit: FeatureKit): void;
  /** Commands for /help and setMyCommands. */
  commands?: readonly CommandInfo[];
  /** Button rows appended to the /start greeting (e.g. default feeds to subscribe to). */
  startButtons?(lang: Lang): InlineKeyboardButton[][];
  /** Button rows appended under each summary (callback_data ≤ 64 bytes; prefix it with your feature name). */
  summaryButtons?(input: SummaryButtonInput): InlineKeyboardButton[][];
  /** /forget: delete everything this feature stores about the person (and their private chat, when chatId is given). */
  forget?(who: { userId: number; chatId?: number }): Promise<void>;
  /** /forget deleted this (pasted or uploaded) article: delete what you derived from it. */
  forgetArticle?(articleId: string): Promise<void>;
  /** Background work that outlives updates (e.g. the digest scheduler). Called by `BotApp.start`. */
  start?(kit: FeatureKit): void | Promise<void>;
  stop?(): void | Promise<void>;
}
