import { Composer } from "telegraf";
import type { Message } from "telegraf/types";
import { t } from "../i18n/index.js";
import { commandOf, textOf } from "./access.js";
import type { BotContext, FeatureKit } from "./context.js";
import { PASTE_MIN_CHARS } from "./paste.js";
import { startReading, updateJobId } from "./reading.js";
import { sendRich } from "./send.js";

/**
 * The links in a message: `url` entities (plain links Telegram recognised), `text_link` entities
 * (links behind words), and, when the client sent no entities, http(s) URLs found in the text.
 * Deduplicated, in order; only http(s).
 */
export function extractLinks(message: Message): string[] {
  const { text, entities } = textOf(message);
  const found: string[] = [];
  for (const entity of entities) {
    if (entity.type === "url") found.push(text.slice(entity.offset, entity.offset + entity.length));
    else if (entity.type === "text_link") found.push(entity.url);
  }
  if (entities.length === 0) found.push(...(text.match(/https?:\/\/[^\s<>"'，。）]+/g) ?? []));
  const links: string[] = [];
  for (const raw of found) {
    const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `https://${raw}`;
    try {
      const url = new URL(withScheme);
      if ((url.protocol === "http:" || url.protocol === "https:") && !links.includes(url.href)) links.push(url.href);
    } catch {
      // not a URL after all
    }
  }
  return links;
}

/** Characters of the message once its links are taken out: little text around links means "summarize these". */
function textBesideLinks(message: Message): number {
  const { text, entities } = textOf(message);
  let rest = text;
  for (const entity of [...entities].sort((a, b) => b.offset - a.offset)) {
    if (entity.type === "url") rest = rest.slice(0, entity.offset) + rest.slice(entity.offset + entity.length);
  }
  if (entities.length === 0) rest = rest.replace(/https?:\/\/\S+/g, "");
  return [...rest.trim()].length;
}

/** Messages with links (typed, pasted with a few words, behind text, forwarded posts) → one summary per link. */
export function links(kit: FeatureKit) {
  const composer = new Composer<BotContext>();
  composer.on("message", async (ctx, next) => {
    const message = ctx.message;
    if ("document" in message || commandOf(message, ctx.botInfo.username) !== undefined) return next();
    if (textOf(message).text.startsWith("/")) return next();
    const found = extractLinks(message);
    if (found.length === 0) return next();
    // A piece of a page being pasted may contain a link; it belongs to the page. (A store read: only with links.)
    if (await kit.pastes.isCollecting(ctx.chat.id, ctx.jb.userId)) return next();
    const forwarded = "forward_origin" in message && message.forward_origin !== undefined;
    // A long text that merely mentions a link is a pasted page, unless it is a forwarded post.
    if (!forwarded && textBesideLinks(message) >= PASTE_MIN_CHARS) return next();

    const max = kit.deps.config.bot.maxLinksPerMessage;
    const chosen = found.slice(0, max);
    if (!(await ctx.jb.spend(chosen.length))) return;
    if (found.length > max) {
      // Through sendRich: a 429 here is waited out rather than losing the summaries below.
      await sendRich({ ...kit.send, telegram: ctx.telegram }, ctx.chat.id, {
        text: t(ctx.jb.lang, "tooManyLinks", { count: found.length, max }),
        replyTo: message.message_id,
      });
    }
    for (const [index, url] of chosen.entries()) {
      await startReading(
        kit,
        {
          telegram: ctx.telegram,
          chatId: ctx.chat.id,
          replyTo: message.message_id,
          lang: ctx.jb.lang,
          summaryLang: ctx.jb.summaryLang,
          jobId: updateJobId(ctx.update, "read", index),
        },
        { kind: "url", url },
      );
    }
  });
  return composer;
}
