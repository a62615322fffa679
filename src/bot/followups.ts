import type { Composer } from "telegraf";
import type { InlineKeyboardButton, Message } from "telegraf/types";
import { describeError } from "../i18n/errors.js";
import { inEachLang, t } from "../i18n/index.js";
import { escapeHtml } from "../pipeline/render.js";
import { type Answer, answerQuestion } from "../qa/answer.js";
import { type ConversationMemory, conversationMemory } from "../qa/memory.js";
import type { RunningJob } from "../store/jobs.js";
import type { Collection } from "../store/store.js";
import { DAY_MS } from "../text/dates.js";
import { langOfText } from "../text/lang.js";
import { clip } from "../text/truncate.js";
import type { Article, Lang } from "../types.js";
import { commandOf, repliesTo, textOf } from "./access.js";
import type { BotContext, BotFeature, FeatureKit } from "./context.js";
import { tellJobGivenUp, updateJobId } from "./reading.js";
import type { RenderedSummary } from "./render.js";
import { editRich, isForbidden, type SendKit, sendRich, typing } from "./send.js";
import { StatKind } from "./stats.js";

/**
 * Follow-up questions about an article, answered from the article (src/qa):
 * - a reply to a summary or to an earlier answer → about that message's article;
 * - `/ask <question>` → about the chat's most recent article;
 * - in a private chat, a short plain text soon after a summary → about that summary's article;
 * - in a group, a short text that mentions the bot → about the chat's most recent article;
 * - the suggested-question buttons under each summary → that question.
 * Each answer is a placeholder edited by a background job; the answer message is recorded so
 * replying to it continues the conversation, whose last turns are kept per chat and article.
 */

// --- Tunables -------------------------------------------------------------------------------
/** A plain question in a private chat counts as a follow-up this long after the last summary. */
const PLAIN_FOLLOWUP_WINDOW_MS = 30 * 60 * 1000;
/** After this long, a plain follow-up says which article it is about (the person may have forgotten). */
const NAME_ARTICLE_AFTER_MS = 5 * 60 * 1000;
/** Button labels longer than this are cut; the full question is asked when pressed. */
const BUTTON_LABEL_CHARS = 60;
/** At most this many suggested-question buttons under a summary. */
const MAX_SUGGESTED = 3;
/** Longest answer text shown: leaves room for the header and quotes in Telegram's 4096 characters. */
const MAX_ANSWER_CHARS = 3000;

/** Replies that acknowledge rather than ask ("ok thanks", "好的，谢谢"): passed on, not answered from the article. */
const ACKNOWLEDGEMENT =
  /^((ok(ay)?|k|thanks?( you)?|thx|ty|cool|nice|great|got it|yes|no|hi|hello|好的?|嗯|谢谢|多谢|感谢|收到|明白了?|知道了|哈|你好|👍|🙏|👌)[\s,，!！.。~～]*)+$/iu;
/** A question has at least a letter or a digit: emoji, stickers' alt text and punctuation are not questions. */
const HAS_WORDS = /[\p{L}\p{N}]/u;

/** `fu:q:<lang>:<n>:<articleId>` — ask suggested question n of this article's summary in lang (≤ 64 bytes). */
const SUGGESTED_PATTERN = /^fu:q:(zh|en):(\d):([0-9a-f]{8,64})$/;
const suggestedData = (lang: Lang, index: number, articleId: string) => `fu:q:${lang}:${index}:${articleId}`;
/** Callback data of summary buttons that name an article (ours and the language switch). */
const ARTICLE_IN_CALLBACK = /^(?:fu:q:(?:zh|en):\d|jb:sl:(?:zh|en)):([0-9a-f]{8,64})$/;

// --- Rendering (pure) ------------------------------------------------------------------------
export interface AnswerView {
  answer: Answer;
  /** Interface language of the labels. */
  lang: Lang;
  /** Shown first when set: "About: <title>". */
  aboutTitle?: string;
  /** Shown above the answer when set (suggested-question buttons). */
  question?: string;
}

/** Lines in both renderings, built together so they never drift apart. */
class Lines {
  readonly html: string[] = [];
  readonly text: string[] = [];
  add(htmlLine: string, textLine: string): void {
    this.html.push(htmlLine);
    this.text.push(textLine);
  }
  /** Plain text in both, escaped for HTML; `style` wraps the HTML side. */
  say(line: string, style?: "i" | "b" | "blockquote"): void {
    const escaped = escapeHtml(line);
    this.add(style ? `<${style}>${escaped}</${style}>` : escaped, style === "blockquote" ? `> ${line}` : line);
  }
  render(): RenderedSummary {
    return { html: this.html.join("\n"), text: this.text.join("\n") };
  }
}

/** "About: <title>" and the question, when the view has them. */
function headerLines(view: Omit<AnswerView, "answer">): Lines {
  const lines = new Lines();
  if (view.aboutTitle) lines.say(t(view.lang, "about", { title: clip(view.aboutTitle, 200) }), "i");
  if (view.question) {
    const question = clip(view.question, 300);
    lines.add(`❓ <b>${escapeHtml(question)}</b>`, `❓ ${question}`);
  }
  if (lines.html.length > 0) lines.add("", "");
  return lines;
}

/** The placeholder: the header, then "Looking in the article…". */
function renderPlaceholder(view: Omit<AnswerView, "answer">): RenderedSummary {
  const lines = headerLines(view);
  lines.say(t(view.lang, "thinking"));
  return lines.render();
}

/** Why an offline extract stands where the model's answer should be. */
function noticeLabel(lang: Lang, notice: NonNullable<Answer["notice"]>): string {
  return t(lang, notice === "llm-timeout" ? "extractModelTimeout" : "extractModelDown");
}

/** An answer message as Telegram HTML and as plain text; citation marks like [3] are dropped (quotes show instead). */
export function renderAnswer(view: AnswerView): RenderedSummary {
  const { answer, lang } = view;
  const lines = headerLines(view);
  const body = clip(answer.text.replace(/\s{0,8}\[\d{1,4}\]/g, "").trim(), MAX_ANSWER_CHARS);
  const quotes = () => {
    for (const excerpt of answer.excerpts) lines.say(excerpt.text, "blockquote");
  };
  if (answer.notInArticle) {
    // An offline "not found" after the model failed must still say why there is no written answer.
    if (answer.mode === "offline" && answer.notice) lines.say(noticeLabel(lang, answer.notice), "i");
    lines.say(`🤷 ${t(lang, "notInArticle")}`);
    if (answer.mode === "llm" && body) lines.say(body);
    if (answer.mode === "offline") lines.say(t(lang, "offlineNotFoundHint"), "i");
  } else if (answer.mode === "offline") {
    const label = answer.notice ? noticeLabel(lang, answer.notice) : t(lang, "extractOffline");
    lines.add(`📄 <i>${escapeHtml(label)}</i>`, `📄 ${label}`);
    quotes();
  } else {
    lines.say(body);
    if (answer.excerpts.length > 0) {
      lines.add("", "");
      lines.say(t(lang, "fromArticle"), "i");
      quotes();
    }
  }
  return lines.render();
}

/** Suggested-question buttons for a summary: one per row, labels cut to fit. */
export function suggestedButtons(
  articleId: string,
  lang: Lang,
  questions: readonly string[],
): InlineKeyboardButton[][] {
  return questions
    .map((question) => question.trim())
    .filter(Boolean)
    .slice(0, MAX_SUGGESTED)
    .map((question, index) => [
      { text: `❓ ${clip(question, BUTTON_LABEL_CHARS)}`, callback_data: suggestedData(lang, index, articleId) },
    ]);
}

// --- The feature ------------------------------------------------------------------------------
export interface FollowupOptions {
  /** Plain follow-ups in a private chat count this long after a summary. @default 30 min */
  plainWindowMs?: number;
  /** Turns of conversation kept per chat and article. @default 6 */
  maxTurns?: number;
}

interface SuggestedRecord {
  questions: string[];
}

/** What one question needs to be answered in a chat. */
interface Ask {
  telegram: SendKit["telegram"];
  chatId: number;
  userId: number;
  /** Message to reply to (the person's question, or the summary whose button was pressed). */
  replyTo?: number;
  articleId: string;
  question: string;
  lang: Lang;
  /** Name the article above the answer. */
  nameArticle: boolean;
  /** Repeat the question above the answer (button presses). */
  showQuestion: boolean;
  /** The person's rate-limit budget (ctx.jb.spend): false → they were told to wait. */
  spend(): Promise<boolean>;
  /** The answer job's id, from the update that asked (updateJobId): asked again, it finds the job recorded. */
  jobId: string;
}

/** The follow-up feature for `createBot(deps, { features: [followups()] })`. */
export function followups(options: FollowupOptions = {}): BotFeature {
  const plainWindowMs = options.plainWindowMs ?? PLAIN_FOLLOWUP_WINDOW_MS;
  // Set by register(): the hooks below (summaryButtons, forget) receive no kit.
  let memory: ConversationMemory | undefined;
  let suggestions: Collection<SuggestedRecord> | undefined;
  let retentionMs: number | undefined;

  return {
    name: "followups",
    commands: [{ command: "ask", description: inEachLang("cmdAsk") }],

    register(composer: Composer<BotContext>, kit: FeatureKit) {
      const { deps } = kit;
      retentionMs = deps.config.store.articleRetentionDays * DAY_MS;
      const conversations = conversationMemory(deps.store, { maxTurns: options.maxTurns, ttlMs: retentionMs });
      const suggested = deps.store.collection<SuggestedRecord>("suggest");
      memory = conversations;
      suggestions = suggested;
      const ask = (input: Ask) => askInChat(kit, input);
      deps.ledger.register<AnswerJob>(
        "answer",
        (job, running) => runAnswerJob(kit, conversations, job, running),
        (job) => tellJobGivenUp(kit, job),
      );

      onAskCommand(composer, kit, ask);
      onSuggestedQuestion(composer, suggested, ask);
      onPlainQuestion(composer, kit, ask, plainWindowMs);
    },

    summaryButtons({ summary, articleId }) {
      if (summary.questions.length === 0) return [];
      // This hook is synchronous, so the questions are saved in the background for the buttons to find;
      // a press before the write lands (or after it expired) falls back to the button's own label.
      void suggestions
        ?.set(`${articleId}:${summary.lang}`, { questions: summary.questions.slice(0, MAX_SUGGESTED) }, retentionMs)
        .catch(() => undefined);
      return suggestedButtons(articleId, summary.lang, summary.questions);
    },

    async forget({ userId }) {
      await memory?.forgetUser(userId);
    },

    async forgetArticle(articleId) {
      for (const lang of ["zh", "en"] as const) await suggestions?.delete(`${articleId}:${lang}`);
    },
  };
}

type AskInChat = (input: Ask) => Promise<void>;

/** `/ask <question>`: about the chat's latest article. */
function onAskCommand(composer: Composer<BotContext>, kit: FeatureKit, ask: AskInChat) {
  const { deps } = kit;
  composer.command("ask", async (ctx) => {
    const question = ctx.message.text.replace(/^\/ask(@\w+)?/i, "").trim();
    const lang = answerLang(ctx, question);
    if (!question) {
      await sendRich(sendKit(kit, ctx), ctx.chat.id, { text: t(lang, "askUsage") });
      return;
    }
    const latest = await deps.records.chats.get(String(ctx.chat.id));
    if (!latest) {
      await sendRich(sendKit(kit, ctx), ctx.chat.id, { text: t(lang, "errNoArticle") });
      return;
    }
    await ask({
      telegram: ctx.telegram,
      chatId: ctx.chat.id,
      userId: ctx.jb.userId,
      replyTo: ctx.message.message_id,
      articleId: latest.articleId,
      question,
      lang,
      nameArticle: true,
      showQuestion: false,
      jobId: updateJobId(ctx.update, "answer"),
      spend: () => ctx.jb.spend(),
    });
  });
}

/** A press on one of the suggested questions under a summary. */
function onSuggestedQuestion(composer: Composer<BotContext>, suggested: Collection<SuggestedRecord>, ask: AskInChat) {
  composer.action(SUGGESTED_PATTERN, async (ctx) => {
    const [, summaryLang, index, articleId] = ctx.match as unknown as [string, Lang, string, string];
    const message = ctx.callbackQuery.message;
    const stored = await suggested.get(`${articleId}:${summaryLang}`);
    const question =
      stored?.questions[Number(index)] ??
      questionFromButton(message, "data" in ctx.callbackQuery ? ctx.callbackQuery.data : undefined);
    if (!message || !question) {
      await ctx.answerCbQuery(t(ctx.jb.lang, "expired"), { show_alert: true });
      return;
    }
    await ctx.answerCbQuery();
    await ask({
      telegram: ctx.telegram,
      chatId: message.chat.id,
      userId: ctx.jb.userId,
      replyTo: message.message_id,
      articleId,
      question,
      lang: answerLang(ctx, question),
      nameArticle: false,
      showQuestion: true,
      spend: () => ctx.jb.spend(),
      jobId: updateJobId(ctx.update, "answer"),
    });
  });
}

/** A plain message: a reply to our summary or answer, a question soon after a summary, or one addressed in a group. */
function onPlainQuestion(composer: Composer<BotContext>, kit: FeatureKit, ask: AskInChat, plainWindowMs: number) {
  const { deps } = kit;
  composer.on("message", async (ctx, next) => {
    const message = ctx.message;
    const raw = textOf(message).text.trim();
    if (!raw || "document" in message || raw.startsWith("/") || commandOf(message, ctx.botInfo.username)) {
      return next();
    }
    // A forwarded post is something to read, not a question from this person.
    if ("forward_origin" in message && message.forward_origin) return next();
    const chatId = ctx.chat.id;
    const replied = repliesTo(message);
    const question = ctx.jb.isPrivate ? raw : raw.replaceAll(`@${ctx.botInfo.username}`, "").trim();
    if (!question || !HAS_WORDS.test(question) || ACKNOWLEDGEMENT.test(question)) return next();
    const base = {
      telegram: ctx.telegram,
      chatId,
      userId: ctx.jb.userId,
      replyTo: message.message_id,
      question,
      lang: answerLang(ctx, question),
      showQuestion: false,
      spend: () => ctx.jb.spend(),
      jobId: updateJobId(ctx.update, "answer"),
    };

    // A reply to one of our summaries or answers: about that message's article.
    if (replied && replied.from?.id === ctx.botInfo.id) {
      const record = await deps.records.messages.get(`${chatId}:${replied.message_id}`);
      const articleId = record?.articleId ?? articleIdFromButtons(replied);
      if (articleId) {
        await ask({ ...base, articleId, nameArticle: false });
        return;
      }
    }

    // Private chat: a plain question soon after a summary. Group: a message addressed to the bot.
    const latest = await deps.records.chats.get(String(chatId));
    if (!latest) return next();
    const age = deps.clock.now() - Date.parse(latest.at);
    if (ctx.jb.isPrivate && !(age >= 0 && age <= plainWindowMs)) return next();
    const nameArticle = !ctx.jb.isPrivate || age > NAME_ARTICLE_AFTER_MS;
    await ask({ ...base, articleId: latest.articleId, nameArticle });
  });
}

function sendKit(kit: FeatureKit, ctx: BotContext): SendKit {
  return { ...kit.send, telegram: ctx.telegram };
}

/**
 * The answer's language: the person's explicit /lang zh|en; else the language the question is
 * clearly written in; else their interface language (Telegram's language_code).
 */
function answerLang(ctx: BotContext, question: string): Lang {
  const chosen = ctx.jb.user.lang;
  if (chosen === "zh" || chosen === "en") return chosen;
  return langOfText(question) ?? ctx.jb.lang;
}

type ReplyMarkup = { inline_keyboard?: Array<Array<{ text?: string; callback_data?: string }>> };

function buttonsOf(message: unknown): Array<{ text?: string; callback_data?: string }> {
  const markup = (message as { reply_markup?: ReplyMarkup } | undefined)?.reply_markup;
  return markup?.inline_keyboard?.flat() ?? [];
}

/** The article a summary message is about, read from its buttons (when its message record is gone). */
function articleIdFromButtons(message: Message): string | undefined {
  for (const button of buttonsOf(message)) {
    const match = ARTICLE_IN_CALLBACK.exec(button.callback_data ?? "");
    if (match) return match[1];
  }
  return undefined;
}

/** The pressed button's label without its mark: the question, when the stored list is gone. */
function questionFromButton(message: unknown, data: string | undefined): string | undefined {
  const button = buttonsOf(message).find((candidate) => candidate.callback_data === data);
  const label = button?.text?.replace(/^❓\s*/u, "").trim();
  return label || undefined;
}

/** A question as recorded (store/jobs.ts): enough for any replica to answer it into the same placeholder. */
type AnswerJob = Omit<Ask, "telegram" | "spend" | "jobId"> & { placeholderId: number };

function headerFor(article: Article, input: Pick<Ask, "lang" | "nameArticle" | "showQuestion" | "question">) {
  const header: Omit<AnswerView, "answer"> = {
    lang: input.lang,
    ...(input.nameArticle ? { aboutTitle: article.title } : {}),
    ...(input.showQuestion ? { question: input.question } : {}),
  };
  return header;
}

/** Placeholder now, answer later: the recorded job reads memory, answers, edits, records. */
async function askInChat(kit: FeatureKit, input: Ask): Promise<void> {
  const { deps } = kit;
  const send: SendKit = { ...kit.send, telegram: input.telegram };
  const record = await deps.records.articles.get(input.articleId);
  if (!record) {
    await sendRich(send, input.chatId, { text: t(input.lang, "expired"), replyTo: input.replyTo });
    return;
  }
  const header = headerFor(record.article, input);
  // Asked before, up to its job record (see startReading): the job has its placeholder and its own takeover.
  if (await deps.ledger.has(input.jobId)) return;
  if (!(await input.spend())) return;
  let placeholderId: number;
  try {
    const placeholder = renderPlaceholder(header);
    placeholderId = (await sendRich(send, input.chatId, { ...placeholder, replyTo: input.replyTo })).message_id;
  } catch (error) {
    if (isForbidden(error)) return;
    throw error;
  }
  await typing(send, input.chatId);
  const job: AnswerJob = {
    chatId: input.chatId,
    userId: input.userId,
    ...(input.replyTo !== undefined ? { replyTo: input.replyTo } : {}),
    articleId: input.articleId,
    question: input.question,
    lang: input.lang,
    nameArticle: input.nameArticle,
    showQuestion: input.showQuestion,
    placeholderId,
  };
  if (!(await deps.ledger.submit("answer", job, { id: input.jobId }))) {
    await editRich(send, input.chatId, placeholderId, { text: t(input.lang, "busy") });
  }
}

/** Runs a recorded question (first run or takeover): the article is read again, the answer edited in. */
async function runAnswerJob(kit: FeatureKit, memory: ConversationMemory, job: AnswerJob, running: RunningJob) {
  const send: SendKit = kit.send;
  const record = await kit.deps.records.articles.get(job.articleId);
  if (!record) {
    if (await running.stillOurs())
      await editRich(send, job.chatId, job.placeholderId, { text: t(job.lang, "expired") });
    return;
  }
  await answerIntoMessage(kit, memory, send, running, {
    ...job,
    article: record.article,
    header: headerFor(record.article, job),
  });
}

/** The background job: history → answer → edit the placeholder → remember the answer message and the turn. */
async function answerIntoMessage(
  kit: FeatureKit,
  memory: ConversationMemory,
  send: SendKit,
  running: Pick<RunningJob, "stillOurs">,
  job: AnswerJob & { article: Article; header: Omit<AnswerView, "answer"> },
): Promise<void> {
  const { deps } = kit;
  try {
    const history = await memory.turns(job.chatId, job.articleId);
    const answer = await answerQuestion({
      article: job.article,
      question: job.question,
      history,
      lang: job.lang,
      llm: deps.llm,
      maxInputTokens: deps.config.llm.maxInputTokens,
    });
    // Only the job's holder answers (a replica whose lease was taken over stays silent).
    if (!(await running.stillOurs())) return;
    const messageId = await editRich(send, job.chatId, job.placeholderId, renderAnswer({ ...job.header, answer }));
    const retentionMs = deps.config.store.articleRetentionDays * DAY_MS;
    await deps.records.messages.set(
      `${job.chatId}:${messageId}`,
      { articleId: job.articleId, kind: "answer" },
      retentionMs,
    );
    await memory.append(job.chatId, job.articleId, {
      question: job.question,
      answer: answer.notInArticle ? `(${t("en", "notInArticle")}) ${answer.text}`.trim() : answer.text,
      quotes: [...answer.quotes],
      userId: job.userId,
      at: new Date(deps.clock.now()).toISOString(),
    });
    const tokens = answer.usage.prompt_tokens + answer.usage.completion_tokens;
    if (tokens > 0) await deps.stats.record(StatKind.Tokens, tokens);
    deps.logger.info("answer sent", {
      chatId: job.chatId,
      mode: answer.mode,
      notInArticle: answer.notInArticle,
      passages: answer.sent.length,
      quotes: answer.quotes.length,
    });
  } catch (error) {
    if (isForbidden(error)) return;
    deps.logger.warn("answering failed", { chatId: job.chatId, error });
    await deps.stats.record(StatKind.Failure).catch(() => undefined);
    if (!(await running.stillOurs().catch(() => false))) return;
    await editRich(send, job.chatId, job.placeholderId, { text: describeError(job.lang, error) }).catch(
      (sendError: unknown) =>
        deps.logger.warn("could not report a failed answer", { chatId: job.chatId, error: sendError }),
    );
  }
}
