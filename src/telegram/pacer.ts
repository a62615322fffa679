/**
 * Telegram's budget: about one message a second per chat (edits count too) and about 30 a second overall,
 * booked per call (GCRA), with 429 pauses per chat or for everyone. In memory for one process; through Redis
 * (one script) for several replicas. The transport (transport.ts) takes a slot for every call that sends.
 */
import type { Clock } from "../clock.js";
import { type PaceLimits, type SharedPace, type Store, sharedPaceFor } from "../store/store.js";

// ── Tunables ──────────────────────────────────────────────────────────────────────────────────────
// Telegram's limits (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this):
// about one message per second in a chat (edits count too) and about 30 per second overall; past them it
// answers 429 with `retry_after`, and a flood can pause the whole bot.
/** Calls to one chat: one per second on average, a short burst of this many allowed (a person sending 3 links). */
const PER_CHAT_INTERVAL_MS = 1000;
const PER_CHAT_BURST = 3;
/**
 * Calls across all chats: TELEGRAM_MAX_PER_SECOND (30, Telegram's free limit; paid broadcasts allow more), evenly
 * spaced with no burst, so that no one-second window holds more than the rate. (A burst of a third of a second
 * let bench:digest see 353 in one second at an allowed 300; spacing alone kept its throughput at the rate.)
 */
export const DEFAULT_MAX_PER_SECOND = 30;
const GLOBAL_BURST = 1;
/**
 * Booked slots are evenly spaced, but sends go out when their timers fire: after a busy stretch of the event loop
 * (a GC pause, a thousand digests composed) the late ones fire together. So the sends themselves are counted too:
 * no more than the rate in any window of this length, measured when each send is let go.
 */
const SEND_WINDOW_MS = 1000;
/**
 * Telegram counts a message when it arrives, not when we let it go, and the time between the two varies: the
 * request is written a few event-loop turns after its slot (later still after a GC pause), and the network adds
 * its own. Sends counted in a window of one second plus this margin arrive within any one second without
 * exceeding the rate, as long as no send is held up longer than the margin; it costs margin/(1000 + margin) of
 * the throughput (3.8%). bench:digest measured the need: at 300/s with the margin at 0 its fake Bot API saw 309
 * and 310 in its busiest second, as the sends it got bunched by up to about 30 ms.
 */
export const ARRIVAL_MARGIN_MS = 40;
/** Timer granularity: a send this close to the window's edge counts as outside it (1000/30 × 30 is 999.99…). */
const WINDOW_SLACK_MS = 1;
/** A 429 for a chat that was quiet this long (or for a second chat within a second) is a global flood. */
const QUIET_CHAT_MS = 2 * PER_CHAT_INTERVAL_MS;
const SECOND_CHAT_WINDOW_MS = 1000;
/** Chats remembered for pacing before idle ones are forgotten. */
const MAX_TRACKED_CHATS = 5000;

export interface Sleeper {
  sleep(ms: number): Promise<void>;
}

/**
 * Paces every interactive Bot API call (sends and edits alike) per chat and overall, and holds back a chat,
 * or everyone, after a 429 until its `retry_after` has passed. One per bot, shared by all its sends.
 */
export interface TelegramPacer {
  /** Waits until a call to `chatId` may go out, and books it; resolves with the time it was counted as sent. */
  slot(chatId: number, clock: Pick<Clock, "now" | "sleep">): Promise<number>;
  /** Telegram said wait `retryAfterMs` after a call to `chatId`; true when it holds back every chat. */
  rateLimited(chatId: number, retryAfterMs: number, now: number): boolean;
  /** True while `chatId` or everyone is held back (best-effort calls such as typing are skipped). */
  isPaused(chatId: number, now: number): boolean;
}

interface ChatPace {
  /** Theoretical arrival time of the next call (GCRA). */
  tat: number;
  pausedUntil: number;
  /** When the two latest calls were booked. */
  lastAt?: number;
  previousAt?: number;
}

/** Telegram's limits as the pacers book them: the per-chat ones are fixed, the overall rate is a setting. */
export type { PaceLimits };

/** The limits for an overall rate of `maxPerSecond` messages (TELEGRAM_MAX_PER_SECOND). */
export function paceLimits(maxPerSecond = DEFAULT_MAX_PER_SECOND): PaceLimits {
  return {
    chatIntervalMs: PER_CHAT_INTERVAL_MS,
    chatBurst: PER_CHAT_BURST,
    // Spaced for the window with its margin, so that even pacing rarely has to wait for the window.
    globalIntervalMs: (SEND_WINDOW_MS + ARRIVAL_MARGIN_MS) / maxPerSecond,
    globalBurst: GLOBAL_BURST,
    sendWindow: {
      sends: Math.max(1, Math.round((maxPerSecond * SEND_WINDOW_MS) / 1000)),
      ms: SEND_WINDOW_MS + ARRIVAL_MARGIN_MS,
      slackMs: WINDOW_SLACK_MS,
    },
  };
}

/**
 * The sending-time guard of one process: the times of the latest `limit` sends, oldest first in a ring. A send
 * waits until the one `limit` sends before it is a window old, then takes its place. A send's time is when it is
 * let go: its booked time, or later when its timer fired late.
 */
function sendWindow({ sends: limit, ms, slackMs }: PaceLimits["sendWindow"]) {
  const times = new Array<number>(limit).fill(Number.NEGATIVE_INFINITY);
  let oldest = 0;
  return async (booked: number, clock: Pick<Clock, "now" | "sleep">): Promise<number> => {
    let at = Math.max(booked, clock.now());
    for (;;) {
      const wait = (times[oldest] ?? 0) + ms - slackMs - at;
      if (wait <= 0) {
        times[oldest] = at;
        oldest = (oldest + 1) % limit;
        return at;
      }
      await clock.sleep(wait);
      at = Math.max(at + wait, clock.now());
    }
  };
}

/**
 * The same guard over every replica's sends (SharedPace.countSend): waits until this send fits the window.
 */
async function sharedSendWindow(
  shared: SharedPace,
  booked: number,
  clock: Pick<Clock, "now" | "sleep">,
): Promise<number> {
  let at = Math.max(booked, clock.now());
  for (let wait = await shared.countSend(at); wait > 0; wait = await shared.countSend(at)) {
    await clock.sleep(wait);
    at = Math.max(at + wait, clock.now());
  }
  return at;
}

/** A generic cell-rate pacer (GCRA) per chat and overall, with 429 pauses. */
export function createPacer(limits: PaceLimits = paceLimits()): TelegramPacer {
  const { globalIntervalMs, globalBurst } = limits;
  const withinWindow = sendWindow(limits.sendWindow);
  const chats = new Map<number, ChatPace>();
  const global = { tat: 0, pausedUntil: 0 };
  let lastLimit: { chatId: number; at: number } | undefined;

  const pace = (chatId: number, now: number): ChatPace => {
    let chat = chats.get(chatId);
    if (!chat) {
      if (chats.size >= MAX_TRACKED_CHATS) {
        for (const [id, item] of chats) if (item.tat < now && item.pausedUntil < now) chats.delete(id);
      }
      chat = { tat: 0, pausedUntil: 0 };
      chats.set(chatId, chat);
    }
    return chat;
  };

  return {
    async slot(chatId, clock) {
      const now = clock.now();
      const chat = pace(chatId, now);
      const at = Math.max(
        now,
        chat.pausedUntil,
        global.pausedUntil,
        chat.tat - (PER_CHAT_BURST - 1) * PER_CHAT_INTERVAL_MS,
        global.tat - (globalBurst - 1) * globalIntervalMs,
      );
      chat.tat = Math.max(chat.tat, at) + PER_CHAT_INTERVAL_MS;
      global.tat = Math.max(global.tat, at) + globalIntervalMs;
      chat.previousAt = chat.lastAt;
      chat.lastAt = at;
      if (at > now) await clock.sleep(at - now);
      return withinWindow(at, clock);
    },
    rateLimited(chatId, retryAfterMs, now) {
      const chat = pace(chatId, now);
      const until = now + retryAfterMs;
      chat.pausedUntil = Math.max(chat.pausedUntil, until);
      // Telegram does not say which limit was hit. A chat that was quiet cannot have hit its own limit,
      // and two chats told to wait at once means the bot as a whole is over: hold everyone back.
      const quiet = chat.previousAt === undefined || now - chat.previousAt > QUIET_CHAT_MS;
      const secondChat =
        lastLimit !== undefined && lastLimit.chatId !== chatId && now - lastLimit.at < SECOND_CHAT_WINDOW_MS;
      lastLimit = { chatId, at: now };
      if (quiet || secondChat) global.pausedUntil = Math.max(global.pausedUntil, until);
      return quiet || secondChat;
    },
    isPaused(chatId, now) {
      return global.pausedUntil > now || (chats.get(chatId)?.pausedUntil ?? 0) > now;
    },
  };
}

/**
 * The same pacing for every replica on one Redis: each slot is booked in Redis (one GCRA script over the chat's
 * and the global limit), and a 429 that looks global pauses every replica (a pause key the script honours).
 * rate-limiter-flexible's fixed windows were the first idea; they let twice the rate through across a window
 * boundary (see digest/delivery.ts on p-queue's intervals), which Telegram answers with 429, so the script
 * keeps the memory pacer's arithmetic instead. Sends are then counted in a one-second window of all replicas' send
 * times (a sorted set), as the memory pacer counts its own.
 */
export function createSharedPacer(shared: SharedPace, limits: PaceLimits = paceLimits()): TelegramPacer {
  // The local half: which chats were recently limited (to tell a chat's limit from a global one) and known pauses.
  const local = createPacer(limits);
  // The latest pause being written: this replica's next slot waits for it, so it is in Redis before we send again.
  let pausing: Promise<void> = Promise.resolve();
  return {
    async slot(chatId, clock) {
      await pausing;
      const now = clock.now();
      const at = await shared.book(chatId, now);
      if (at > now) await clock.sleep(at - now);
      // The sending-time guard, across replicas: a replica whose timers fired late waits for the window.
      return sharedSendWindow(shared, at, clock);
    },
    rateLimited(chatId, retryAfterMs, now) {
      const global = local.rateLimited(chatId, retryAfterMs, now);
      pausing = shared.pause(global ? undefined : chatId, now + retryAfterMs, now).catch(() => undefined);
      return global;
    },
    isPaused: (chatId, now) => local.isPaused(chatId, now),
  };
}

/** The pacer for a store: shared through Redis when the store is Redis, in memory for one process on SQLite. */
export function pacerFor(store: Store, limits: PaceLimits = paceLimits()): TelegramPacer {
  const shared = sharedPaceFor(store, limits);
  return shared ? createSharedPacer(shared, limits) : createPacer(limits);
}
