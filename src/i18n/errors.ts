/**
 * What the person reads when something fails: every JianbaoError code mapped to its catalog text.
 */
import { ErrorCode, isJianbaoError } from "../errors.js";
import type { Lang } from "../types.js";
import { formatBytes, t } from "./index.js";

/** Too many pages or too many bytes: say which, with the cap. */
function describePdfTooLarge(lang: Lang, details: Readonly<Record<string, string | number>>): string {
  if (details.pages !== undefined) {
    return t(lang, "errPdfTooLarge", {
      what: t(lang, "sizeAside", { size: t(lang, "pageCount", { count: details.pages }) }),
      max: t(lang, "pageCount", { count: details.maxPages ?? 0 }),
    });
  }
  const size = details.size ? formatBytes(Number(details.size)) : "";
  return t(lang, "errPdfTooLarge", {
    what: size ? t(lang, "sizeAside", { size }) : "",
    max: formatBytes(Number(details.maxBytes ?? 0)),
  });
}

/** A short message for the person, in their language, saying what went wrong and what to try. */
export function describeError(lang: Lang, error: unknown): string {
  if (!isJianbaoError(error)) return t(lang, "errInternal");
  const details = error.details;
  switch (error.code) {
    case ErrorCode.NotAnArticle:
      return t(lang, "errNotArticle");
    case ErrorCode.BadUrl:
      return t(lang, "errBadUrl", { url: String(details.url ?? "") });
    case ErrorCode.Refused:
      return t(lang, "errRefused");
    case ErrorCode.Unreachable:
      return t(lang, "errUnreachable");
    case ErrorCode.Timeout:
      return t(lang, "errTimeout");
    case ErrorCode.HttpStatus:
      return Number(details.status) === 404 || Number(details.status) === 410
        ? t(lang, "errHttp404")
        : t(lang, "errHttpStatus", { status: details.status ?? "?" });
    case ErrorCode.TooLarge:
      return t(lang, "errTooLarge");
    case ErrorCode.TooManyRedirects:
      return t(lang, "errRedirects");
    case ErrorCode.NotHtml:
      return t(lang, "errNotHtml", { contentType: String(details.contentType ?? "?") });
    case ErrorCode.UnsupportedFile:
      // pageFromBytes names what it found inside ("a binary file", "a PDF document"…): say so,
      // since "I read .txt files" is no help for a .txt that is not text.
      return typeof details.received === "string" && /^(a|an) /.test(details.received)
        ? t(lang, "errNotText", { received: details.received })
        : t(lang, "errUnsupportedFile");
    case ErrorCode.FileTooLarge:
      return t(lang, details.source === "paste" ? "errPasteTooLarge" : "errFileTooLarge", {
        size: details.size ? t(lang, "sizeAside", { size: formatBytes(Number(details.size)) }) : "",
        max: formatBytes(Number(details.maxBytes ?? details.max ?? 0)),
      });
    case ErrorCode.LlmUnavailable:
    case ErrorCode.LlmBadOutput:
      return t(lang, "errModelBusy");
    case ErrorCode.LlmTimeout:
      return t(lang, "errModelTimeout");
    case ErrorCode.RateLimited:
      return t(lang, "rateLimited", { seconds: details.seconds ?? 60 });
    case ErrorCode.NoArticle:
      return t(lang, "errNoArticle");
    case ErrorCode.FeedNotFound:
      return t(lang, "errFeedNotFound");
    case ErrorCode.EmptyFile:
      return t(lang, "errEmptyFile");
    case ErrorCode.StoreUnavailable:
      return t(lang, "errStoreUnavailable");
    case ErrorCode.TooComplex:
      return t(lang, "errTooComplex");
    case ErrorCode.WorkerFailed:
      return t(lang, "errWorkerFailed");
    case ErrorCode.Busy:
      return t(lang, "errBusy");
    case ErrorCode.PdfScanned:
      return t(lang, "errPdfScanned");
    case ErrorCode.PdfEncrypted:
      return t(lang, "errPdfEncrypted");
    case ErrorCode.PdfCorrupt:
      return t(lang, "errPdfCorrupt");
    case ErrorCode.PdfTooLarge:
      return describePdfTooLarge(lang, details);
    default:
      return t(lang, "errInternal");
  }
}
