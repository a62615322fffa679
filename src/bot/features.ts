/**
 * The features plugged into the bot after the built-in ones (links, files, pasted pages), in order.
 * main.ts passes this list to `createBot(deps, { features: defaultFeatures() })`.
 *
 * To add one: export a `BotFeature` from its own file in src/bot/ and add it below. Order matters
 * for plain text: earlier features see a message first and call next() for what they don't handle;
 * the bot's fallback reply ("send me a link or a page") comes after the last one.
 * Subscriptions come first (commands and their buttons only); follow-ups then take the remaining
 * short texts and replies to the bot as questions.
 */

import type { BotFeature } from "./context.js";
import { followups } from "./followups.js";
import { subscriptionsFeature } from "./subscriptions.js";

export function defaultFeatures(): BotFeature[] {
  const subscriptions = subscriptionsFeature();
  // DEFAULT_FEEDS are offered under the /start greeting.
  subscriptions.startButtons = (lang) => subscriptions.defaultFeedButtons(lang);
  return [subscriptions, followups()];
}
