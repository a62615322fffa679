/**
 * The features plugged into the bot after the built-in ones (links, files, pasted pages), in order.
 * main.ts passes this list to `createBot(deps, { features: defaultFeatures() })`.
 *
 * To add one: export a `BotFeature` from its own file in src/bot/ (e.g. followups.ts, subscriptions.ts)
 * and add it below. Order matters for plain text: earlier features see a message first and call
 * next() for what they don't handle; the bot's fallback reply comes after the last one.
 */
import type { BotFeature } from "./index.js";

export function defaultFeatures(): BotFeature[] {
  return [];
}
