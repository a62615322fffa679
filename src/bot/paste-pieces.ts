/**
 * The pieces of a pasted page, in the store. Telegram splits a long paste into several messages that arrive within
 * a second or two — in webhook mode behind a load balancer, at different replicas — so the pieces are joined in the
 * store, not in a replica's memory:
 *
 *   1. The replica that gets the first long piece takes the lease `paste:<chat>:<user>` (its owner names the page:
 *      `<replica>#<first message id>`) and starts the page's list `paste:<chat>:<user>:<first message id>`.
 *   2. A piece from the same person arriving anywhere while that lease is held is appended to that list.
 *   3. The page's read job (recorded with the placeholder, like any read) gathers it: it waits until no piece has
 *      come for PASTE_JOIN_MS, ends the lease (the next message is a message of its own), and joins the list in
 *      message order. A replica that takes the job over after a crash gathers the same list, so a pasted page
 *      that got its "Reading…" is answered like a link is.
 *
 * Left open: a piece that saw the lease just before it ended lands in the list after it was read (one store round
 * trip); it is dropped with the list when the list lapses.
 */
import type { Clock } from "../clock.js";
import { type Store, serialisePerKey } from "../store/store.js";

// ── Tunables ─────────────────────────────────────────────────────────────────────────────────────
/** A page's pieces are kept this long after the last one: long enough for a takeover after a crash (JOB_LEASE_MS). */
const PIECES_KEEP_MS = 10 * 60_000;

/** A pasted page as its read job records it: where its pieces are, and the lease that collects them. */
export interface PastedPage {
  kind: "paste";
  /** The list of pieces. */
  list: string;
  /** The collecting lease and its owner (ended by whoever gathers the page). */
  lease: string;
  owner: string;
}

/** One piece as stored: `at` is when it came, so the gatherer knows when the person paused. */
interface StoredPiece {
  messageId: number;
  text: string;
  at: number;
}

export interface PastePieces {
  /** True while a page is being collected for this person in this chat, by any replica. */
  isCollecting(chatId: number, userId: number): Promise<boolean>;
  /**
   * Adds a piece. "joined": a page was being collected and the piece is part of it now. "started" (only with
   * `mayStart`): this piece begins a page, collected under this replica's lease. "none": nothing was being collected.
   */
  add(
    chatId: number,
    userId: number,
    piece: { messageId: number; text: string },
    mayStart: boolean,
  ): Promise<{ outcome: "joined" } | { outcome: "none" } | { outcome: "started"; page: PastedPage }>;
  /** Waits until the pieces stop for `joinMs`, ends the collecting lease, and returns the page's text. */
  gather(page: PastedPage): Promise<string>;
  /** The page's read job is recorded (or the page was dropped): it is no longer only in this replica's hands. */
  handedOver(page: PastedPage): void;
  /** Ends a page that will not be read (the person is over their limit, the update was handled before). */
  drop(page: PastedPage): Promise<void>;
  /** Pages started here and not handed over yet (the bot waits for them when it settles). */
  readonly pending: number;
}

export interface PastePiecesOptions {
  store: Store;
  clock: Clock;
  /** PASTE_JOIN_MS */
  joinMs: number;
  /** JOB_LEASE_MS: the collecting lease, renewed while the page is gathered. */
  leaseMs: number;
  /** REPLICA_ID */
  replicaId: string;
}

export function pastePieces(options: PastePiecesOptions): PastePieces {
  const { store, clock, joinMs, leaseMs, replicaId } = options;
  // A person's pieces handled at once on this replica decide one at a time: the second sees the first's lease.
  const oneAtATime = serialisePerKey();
  const leaseOf = (chatId: number, userId: number) => `paste:${chatId}:${userId}`;
  const listOf = (lease: string, owner: string) => `${lease}:${owner.slice(owner.lastIndexOf("#") + 1)}`;
  const append = (list: string, piece: { messageId: number; text: string }) =>
    store.append(list, JSON.stringify({ ...piece, at: clock.now() } satisfies StoredPiece), PIECES_KEEP_MS);
  const started = new Set<string>();
  const piecesIn = async (list: string) => (await store.items(list)).map((item) => JSON.parse(item) as StoredPiece);

  return {
    async isCollecting(chatId, userId) {
      return (await store.leaseHolder(leaseOf(chatId, userId), clock.now())) !== undefined;
    },
    add: (chatId, userId, piece, mayStart) =>
      oneAtATime(leaseOf(chatId, userId), async () => {
        const lease = leaseOf(chatId, userId);
        const holder = await store.leaseHolder(lease, clock.now());
        if (holder !== undefined) {
          await append(listOf(lease, holder), piece);
          return { outcome: "joined" as const };
        }
        if (!mayStart) return { outcome: "none" as const };
        const owner = `${replicaId}#${piece.messageId}`;
        if (!(await store.lease(lease, owner, leaseMs, clock.now()))) {
          // Another replica started this page a moment ago: join it (or, if it is over already, this is no page).
          const winner = await store.leaseHolder(lease, clock.now());
          if (winner === undefined) return { outcome: "none" as const };
          await append(listOf(lease, winner), piece);
          return { outcome: "joined" as const };
        }
        const page: PastedPage = { kind: "paste", list: listOf(lease, owner), lease, owner };
        await append(page.list, piece);
        started.add(page.list);
        return { outcome: "started" as const, page };
      }),
    async gather(page) {
      for (;;) {
        const pieces = await piecesIn(page.list);
        const latest = Math.max(0, ...pieces.map((piece) => piece.at));
        const wait = latest + joinMs - clock.now();
        if (wait <= 0) break;
        // Still coming: keep the lease (a takeover's own lease check is the job's) and look again.
        await store.lease(page.lease, page.owner, leaseMs, clock.now());
        await clock.sleep(wait);
      }
      await store.releaseLease(page.lease, page.owner);
      // Read after the lease ended: a piece that saw the lease is in the list by now.
      const pieces = await piecesIn(page.list);
      return pieces
        .sort((a, b) => a.messageId - b.messageId)
        .map((piece) => piece.text)
        .join("\n");
    },
    handedOver(page) {
      started.delete(page.list);
    },
    async drop(page) {
      started.delete(page.list);
      await store.releaseLease(page.lease, page.owner);
      await store.takeItems(page.list);
    },
    get pending() {
      return started.size;
    },
  };
}
