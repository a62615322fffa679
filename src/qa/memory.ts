import { type Store, serialisePerKey } from "../store/store.js";
import type { Turn } from "./retrieve.js";

/**
 * Conversation memory for follow-up questions: one record per chat and article holding its last few
 * turns, so "and the second one?" works and survives a restart. Only that chat's question flow writes
 * the record; appends within this process are serialised per record, so two quick questions in one chat
 * cannot drop each other's turn. Records expire with the article (ARTICLE_RETENTION_DAYS).
 */

// --- Tunables -------------------------------------------------------------------------------
/** Turns kept per chat and article: the prompt sends fewer; a few more help retrieval and /forget stays cheap. */
const DEFAULT_MAX_TURNS = 6;
/** Stored turns are trimmed: the memory is context, not an archive. */
const MAX_STORED_QUESTION_CHARS = 1000;
const MAX_STORED_ANSWER_CHARS = 1500;

/** One stored turn: the question, the answer given, and who asked (for /forget in groups). */
export interface StoredTurn extends Turn {
  readonly userId: number;
  /** ISO 8601. */
  readonly at: string;
}

/** key `<chatId>:<articleId>` in the `qa` collection. */
export interface ConversationRecord {
  chatId: number;
  articleId: string;
  turns: StoredTurn[];
}

export interface ConversationMemory {
  /** The turns in `chatId` about `articleId`, oldest first (empty when none or expired). */
  turns(chatId: number, articleId: string): Promise<StoredTurn[]>;
  /** Adds a turn, keeping the last `maxTurns`; the record's time to live restarts. */
  append(chatId: number, articleId: string, turn: StoredTurn): Promise<void>;
  /**
   * Deletes what `userId` said: every record of their private chat (chat id = user id) and their turns
   * in group chats (other people's turns there stay). Returns the number of records changed.
   */
  forgetUser(userId: number): Promise<number>;
}

export interface ConversationMemoryOptions {
  /** @default 6 */
  maxTurns?: number;
  /** Time to live of a record after its last turn: the article retention. */
  ttlMs: number;
}

export function conversationMemory(store: Store, options: ConversationMemoryOptions): ConversationMemory {
  const records = store.collection<ConversationRecord>("qa");
  const maxTurns = options.maxTurns ?? DEFAULT_MAX_TURNS;
  const key = (chatId: number, articleId: string) => `${chatId}:${articleId}`;
  // Read-modify-write of one record, one at a time per key, so concurrent appends in this process never clobber.
  const serialised = serialisePerKey();

  return {
    async turns(chatId, articleId) {
      return (await records.get(key(chatId, articleId)))?.turns ?? [];
    },

    append(chatId, articleId, turn) {
      const id = key(chatId, articleId);
      return serialised(id, async () => {
        const previous = (await records.get(id))?.turns ?? [];
        const trimmed: StoredTurn = {
          ...turn,
          question: turn.question.slice(0, MAX_STORED_QUESTION_CHARS),
          answer: turn.answer.slice(0, MAX_STORED_ANSWER_CHARS),
        };
        const turns = [...previous, trimmed].slice(-maxTurns);
        await records.set(id, { chatId, articleId, turns }, options.ttlMs);
      });
    },

    async forgetUser(userId) {
      let changed = 0;
      for (const { id } of await records.list(`${userId}:`)) {
        await serialised(id, () => records.delete(id));
        changed += 1;
      }
      // Group chats have negative ids; their records may hold this person's turns among others'.
      for (const { id } of await records.list("-")) {
        const removed = await serialised(id, async () => {
          const record = await records.get(id);
          if (!record?.turns.some((turn) => turn.userId === userId)) return false;
          const turns = record.turns.filter((turn) => turn.userId !== userId);
          if (turns.length === 0) await records.delete(id);
          else await records.set(id, { ...record, turns }, options.ttlMs);
          return true;
        });
        if (removed) changed += 1;
      }
      return changed;
    },
  };
}
