import { Composer } from "telegraf";
import { type Logger, silentLogger } from "../log.js";
import { type Store, serialisePerKey } from "../store/store.js";
import { commandOf, repliesTo, textOf } from "./access.js";
import type { BotContext, FeatureKit } from "./context.js";
import type { Clock } from "./jobs.js";
import { queueReading, type ReadTarget, sendPlaceholder, updateJobId } from "./reading.js";

/**
 * Text this long (code points, links left out) without being a reply to the bot is a pasted page,
 * not a question: a question rarely runs past two hundred characters in either language, and the
 * cleaner needs a few paragraphs to find an article anyway.
 */
export const PASTE_MIN_CHARS = 280;

// ── Tunables ─────────────────────────────────────────────────────────────────────────────────────
/**
 * How long the pieces of a page (and the collector's lease on them) are kept with no piece coming: far longer
 * than PASTE_JOIN_MS, so only a page whose collector died is left to expire.
 */
const PASTE_KEEP_MS = 10 * 60_000;

/** One piece as stored: `at` is when it was received, so the collector knows when the person paused. */
interface StoredPiece {
  messageId: number;
  text: string;
  at: number;
}

/** A page this replica collects (it won the lease, sent the placeholder and will hand the joined text over). */
interface Collecting {
  startedAt: number;
  timer: unknown;
  flush: (text: string) => void;
}

/**
 * Joins the pieces of a pasted page: Telegram splits a long paste into several messages that arrive within a
 * second or two — in webhook mode behind a load balancer, at different replicas. Every piece goes into one list
 * in the store (`paste:<chat>:<user>`); the replica that received the first long piece holds the lease of that
 * list, and once `joinMs` passes without a new piece it takes the whole list and hands it over as one text, in
 * message order. A piece arriving while anyone holds the lease joins the list, wherever it arrives.
 */
export interface PasteCollector {
  /** True while a page is being collected for this person in this chat, by this replica or another. */
  isCollecting(chatId: number, userId: number): Promise<boolean>;
  /**
   * Adds a piece. "joined": a page was being collected (here or elsewhere) and the piece is part of it now.
   * "started": `start` was given and this replica now collects a page beginning with this piece; `start.flush`
   * gets the joined text when the person pauses. "none": nothing is being collected and `start` was not given.
   */
  add(
    chatId: number,
    userId: number,
    piece: { messageId: number; text: string },
    start?: { flush: (text: string) => void },
  ): Promise<"started" | "joined" | "none">;
  /** Pages this replica is collecting. */
  pendingCount(): number;
  /** Drops a page this replica is collecting, without flushing it. */
  cancel(chatId: number, userId: number): Promise<void>;
  /** Flushes this replica's pages now (shutdown). */
  flushAll(): Promise<void>;
}

export interface PasteCollectorOptions {
  store: Store;
  clock: Clock;
  /** PASTE_JOIN_MS */
  joinMs: number;
  /** This replica (REPLICA_ID): the lease owner. */
  owner: string;
  logger?: Logger;
}

export function createPasteCollector(options: PasteCollectorOptions): PasteCollector {
  const { store, clock, joinMs, owner } = options;
  const logger = options.logger ?? silentLogger;
  const collecting = new Map<string, Collecting>();
  // A person's pieces handled at once on this replica decide one at a time: the second sees the first's lease.
  const oneAtATime = serialisePerKey();
  const keyOf = (chatId: number, userId: number) => `paste:${chatId}:${userId}`;
  const appendPiece = (key: string, piece: { messageId: number; text: string }) =>
    store.append(key, JSON.stringify({ ...piece, at: clock.now() } satisfies StoredPiece), PASTE_KEEP_MS);
  const piecesOf = (raw: string[]) => raw.map((item) => JSON.parse(item) as StoredPiece);

  // One at a time with this person's pieces arriving here: a message handled after the page was taken is not
  // joined to it (the next line piped into the terminal chat is a question of its own).
  const finish = (key: string, entry: Collecting) =>
    oneAtATime(key, async () => {
      clock.clearTimeout(entry.timer);
      try {
        // Released first, then taken in one step: a piece that saw the lease is in the list by now or starts anew.
        await store.releaseLease(key, owner);
        const pieces = piecesOf(await store.takeItems(key))
          // Left over from an earlier page (a piece that came in as that one was taken): not this page's.
          .filter((piece) => piece.at >= entry.startedAt - joinMs)
          .sort((a, b) => a.messageId - b.messageId);
        entry.flush(pieces.map((piece) => piece.text).join("\n"));
      } finally {
        collecting.delete(key);
      }
    });
  const check = async (key: string, entry: Collecting, now: boolean) => {
    if (now) return finish(key, entry);
    const latest = Math.max(entry.startedAt, ...piecesOf(await store.items(key)).map((piece) => piece.at));
    const wait = latest + joinMs - clock.now();
    if (wait > 0) {
      await store.lease(key, owner, PASTE_KEEP_MS, clock.now());
      entry.timer = clock.setTimeout(() => void run(key, entry), wait);
      return;
    }
    await finish(key, entry);
  };
  const run = (key: string, entry: Collecting, now = false) =>
    check(key, entry, now).catch((error: unknown) => {
      // The store is down: the page cannot be joined; the reading path answers with its own error.
      logger.error("could not join the pieces of a pasted page", { key, error });
      collecting.delete(key);
      entry.flush("");
    });

  return {
    async isCollecting(chatId, userId) {
      const key = keyOf(chatId, userId);
      return collecting.has(key) || (await store.leaseHolder(key, clock.now())) !== undefined;
    },
    add: (chatId, userId, piece, start) =>
      oneAtATime(keyOf(chatId, userId), async () => {
        const key = keyOf(chatId, userId);
        const now = clock.now();
        const joined = collecting.has(key) || (await store.leaseHolder(key, now)) !== undefined;
        if (!joined && !start) return "none";
        if (joined || !(await store.lease(key, owner, PASTE_KEEP_MS, now))) {
          await appendPiece(key, piece);
          return "joined";
        }
        await appendPiece(key, piece);
        const entry: Collecting = { startedAt: now, timer: undefined, flush: start?.flush ?? (() => undefined) };
        collecting.set(key, entry);
        entry.timer = clock.setTimeout(() => void run(key, entry), joinMs);
        return "started";
      }),
    pendingCount: () => collecting.size,
    async cancel(chatId, userId) {
      const key = keyOf(chatId, userId);
      const entry = collecting.get(key);
      if (!entry) return;
      collecting.delete(key);
      clock.clearTimeout(entry.timer);
      await store.releaseLease(key, owner);
      await store.takeItems(key);
    },
    async flushAll() {
      await Promise.all([...collecting].map(([key, entry]) => run(key, entry, true)));
    },
  };
}

/** Long text without a link (or the next pieces of one) → a pasted page, summarized once the pieces stop. */
export function pastedPages(kit: FeatureKit, paste: PasteCollector) {
  const composer = new Composer<BotContext>();
  composer.on("message", async (ctx, next) => {
    const message = ctx.message;
    if ("document" in message) return next();
    const raw = textOf(message).text;
    if (!raw || raw.startsWith("/") || commandOf(message, ctx.botInfo.username) !== undefined) return next();
    const chatId = ctx.chat.id;
    const userId = ctx.jb.userId;
    // In groups the page is addressed with an @mention; it is not part of the page.
    const text = ctx.jb.isPrivate ? raw : raw.replaceAll(`@${ctx.botInfo.username}`, "").trim();
    const piece = { messageId: message.message_id, text };
    const repliesToBot = repliesTo(message)?.from?.id === ctx.botInfo.id;
    const mayStart = !repliesToBot && [...text].length >= PASTE_MIN_CHARS;

    // The page's job is named after its first piece's update.
    const jobId = updateJobId(ctx.update, "read");
    const target: ReadTarget = {
      telegram: ctx.telegram,
      chatId,
      replyTo: message.message_id,
      lang: ctx.jb.lang,
      summaryLang: ctx.jb.summaryLang,
      jobId,
    };
    // The joined text waits for the placeholder (undefined: none was sent, nothing to read).
    let placeholderSent: (id: number | undefined) => void = () => undefined;
    const placeholder = new Promise<number | undefined>((resolve) => {
      placeholderSent = resolve;
    });
    const flush = (joined: string) => {
      void placeholder
        .then((placeholderId) => {
          if (placeholderId !== undefined)
            return queueReading(kit, target, placeholderId, { kind: "text", text: joined });
        })
        .catch((error: unknown) => kit.deps.logger.error("pasted page failed", { chatId, error }));
    };
    const added = await paste.add(chatId, userId, piece, mayStart ? { flush } : undefined);
    if (added === "none") return next();
    if (added === "joined") return;
    // Handled before, up to its job record (see startReading): that job holds the whole page.
    if ((await kit.deps.ledger.has(jobId)) || !(await ctx.jb.spend())) {
      placeholderSent(undefined);
      await paste.cancel(chatId, userId);
      return;
    }
    try {
      placeholderSent(await sendPlaceholder(kit, target, { kind: "text", text }));
    } finally {
      placeholderSent(undefined);
    }
  });
  return composer;
}
