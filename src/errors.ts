/**
 * One small error hierarchy for the whole bot. Stages throw these; the edges
 * (bot.catch, the CLI) turn them into a short message for the person.
 * Every library error is mapped to one of these at the adapter that met it.
 */

export const ErrorCode = {
  // configuration
  Config: "CONFIG",
  // fetching a link
  BadUrl: "BAD_URL",
  Refused: "FETCH_REFUSED",
  Unreachable: "FETCH_UNREACHABLE",
  Timeout: "FETCH_TIMEOUT",
  HttpStatus: "FETCH_HTTP_STATUS",
  TooLarge: "FETCH_TOO_LARGE",
  TooManyRedirects: "FETCH_TOO_MANY_REDIRECTS",
  NotHtml: "FETCH_NOT_HTML",
  // input the person sent
  UnsupportedFile: "UNSUPPORTED_FILE",
  FileTooLarge: "FILE_TOO_LARGE",
  FileNotFound: "FILE_NOT_FOUND",
  EmptyFile: "EMPTY_FILE",
  // cleaning
  NotAnArticle: "NOT_AN_ARTICLE",
  /** Cleaning (or another CPU stage) ran past its time budget in the worker pool. */
  TooComplex: "PAGE_TOO_COMPLEX",
  /** A worker crashed or ran out of memory on this page; the pool replaced it. */
  WorkerFailed: "WORKER_FAILED",
  /** Too much work is already queued (worker pool or job queue); try again shortly. */
  Busy: "BUSY",
  // PDFs
  PdfScanned: "PDF_SCANNED",
  PdfEncrypted: "PDF_ENCRYPTED",
  PdfCorrupt: "PDF_CORRUPT",
  PdfTooLarge: "PDF_TOO_LARGE",
  // language model
  LlmUnavailable: "LLM_UNAVAILABLE",
  /** The model did not finish within LLM_TIMEOUT_MS (headers and body, retries included). */
  LlmTimeout: "LLM_TIMEOUT",
  LlmBadOutput: "LLM_BAD_OUTPUT",
  PromptVariable: "PROMPT_VARIABLE",
  // bot
  RateLimited: "RATE_LIMITED",
  // feeds and digests
  FeedNotFound: "FEED_NOT_FOUND",
  // question answering
  NoArticle: "NO_ARTICLE",
  // storage
  StoreUnavailable: "STORE_UNAVAILABLE",
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Base error: a string code, a message that says what failed and where, and an optional cause. */
export class JianbaoError extends Error {
  override name = "JianbaoError";
  readonly code: ErrorCode;
  /** Extra facts for the person's message (e.g. `{ status: 404 }`, `{ contentType: "application/pdf" }`). */
  readonly details: Readonly<Record<string, string | number>>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; details?: Record<string, string | number> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
  }
}

/** A problem with a fetched URL (refused address, timeout, HTTP status, size, content type). */
export class FetchError extends JianbaoError {
  override name = "FetchError";
}

/** The page or text holds no article we can stand behind (app shell, paywall teaser, list page…). */
export class NotAnArticleError extends JianbaoError {
  override name = "NotAnArticleError";
  constructor(message: string, options: { cause?: unknown; details?: Record<string, string | number> } = {}) {
    super(ErrorCode.NotAnArticle, message, options);
  }
}

/** The language model failed or answered with something unusable. */
export class LlmError extends JianbaoError {
  override name = "LlmError";
}

/** Bad or missing configuration; thrown once at start-up. */
export class ConfigError extends JianbaoError {
  override name = "ConfigError";
  constructor(message: string) {
    super(ErrorCode.Config, message);
  }
}

export function isJianbaoError(error: unknown): error is JianbaoError {
  return error instanceof JianbaoError;
}
