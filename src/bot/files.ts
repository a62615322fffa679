import { Composer } from "telegraf";
import { ErrorCode, JianbaoError } from "../errors.js";
import { describeError } from "../i18n/errors.js";
import { READABLE_FILES, uploadCap } from "../pipeline/input.js";
import type { BotContext, FeatureKit } from "./context.js";
import { startReading, updateJobId } from "./reading.js";
import { sendRich } from "./send.js";

/** Uploaded files we read: web pages, text and PDFs. Anything else gets a clear "unsupported" reply. */
const READABLE_EXTENSIONS = Object.keys(READABLE_FILES);
const READABLE_MIME = /^(text\/(html|plain|markdown|x-markdown)|application\/xhtml\+xml|application\/(x-)?pdf)\b/i;

export function isReadableFile(fileName: string | undefined, mimeType: string | undefined): boolean {
  const name = (fileName ?? "").toLowerCase();
  if (READABLE_EXTENSIONS.some((extension) => name.endsWith(extension))) return true;
  // A name without an extension: trust a text/html mime type.
  return !/\.[a-z0-9]{1,8}$/.test(name) && READABLE_MIME.test(mimeType ?? "");
}

/** Documents: check type and size (before downloading), then read them like a page. */
export function fileUploads(kit: FeatureKit) {
  const composer = new Composer<BotContext>();
  composer.on("document", async (ctx) => {
    const { document } = ctx.message;
    const lang = ctx.jb.lang;
    const reply = (error: JianbaoError) =>
      sendRich(kit.send, ctx.chat.id, { text: describeError(lang, error), replyTo: ctx.message.message_id });
    if (!isReadableFile(document.file_name, document.mime_type)) {
      await reply(new JianbaoError(ErrorCode.UnsupportedFile, `Unsupported upload ${document.mime_type ?? "?"}`));
      return;
    }
    // PDFs have their own, larger cap (PDF_LIMITS.maxBytes); everything else MAX_FILE_BYTES.
    const max = uploadCap(document.file_name, document.mime_type, kit.deps.config.bot.maxFileBytes);
    if ((document.file_size ?? 0) > max) {
      await reply(
        new JianbaoError(ErrorCode.FileTooLarge, `Upload of ${document.file_size} bytes over the cap`, {
          details: { size: document.file_size ?? 0, maxBytes: max },
        }),
      );
      return;
    }
    if (document.file_size === 0) {
      // Nothing to download or summarize; whitespace-only files are caught after the download (pageFromBytes).
      await reply(new JianbaoError(ErrorCode.EmptyFile, `Upload ${document.file_name ?? "file"} is empty`));
      return;
    }
    if (!(await ctx.jb.spend())) return;
    await startReading(
      kit,
      {
        telegram: ctx.telegram,
        chatId: ctx.chat.id,
        replyTo: ctx.message.message_id,
        lang,
        summaryLang: ctx.jb.summaryLang,
        jobId: updateJobId(ctx.update, "read"),
      },
      {
        kind: "file",
        fileId: document.file_id,
        fileName: document.file_name ?? "file",
        mimeType: document.mime_type,
      },
    );
  });
  return composer;
}
