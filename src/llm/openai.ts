import { setTimeout as sleepFor } from "node:timers/promises";
import OpenAI from "openai";
import { ErrorCode, LlmError } from "../errors.js";
import type { TokenUsage } from "../types.js";
import type { CompletionRequest, CompletionResult, LlmClient } from "./client.js";
import { llmTimeout, withDeadline } from "./deadline.js";
import { countTokens } from "./tokens.js";

// ── Tunables ──────────────────────────────────────────────────────────────────────────────────────
/** Local servers (Ollama, llama.cpp, vLLM) need no key, but the SDK insists on one. */
const PLACEHOLDER_API_KEY = "not-needed";
/** A `retry-after` longer than this is not worth waiting for: a person is watching a placeholder. */
const MAX_RETRY_AFTER_MS = 30_000;
/** Backoff without `retry-after`: 0.5 s, 1 s, 2 s… capped, with up to 25 % jitter so replicas don't align. */
const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 8_000;
/** Statuses worth another try: timeout, lock, rate limit, server errors. */
const RETRYABLE_STATUS = (status: number) => status === 408 || status === 409 || status === 429 || status >= 500;
/** Statuses a server answers to a parameter it does not take (`response_format`, `max_tokens`, `temperature`). */
const PARAMETER_REJECTED_STATUS = new Set([400, 422]);

export interface OpenAiClientOptions {
  /** OPENAI_API_KEY; may be omitted for a local server given by `baseUrl`. */
  apiKey?: string;
  /** OPENAI_BASE_URL, e.g. `http://127.0.0.1:11434/v1`. @default OpenAI's API */
  baseUrl?: string;
  model: string;
  /** Whole budget of one `complete()` call (ms): connecting, headers, body, retries and waits. */
  timeoutMs: number;
  /** Further attempts after the first on 429/5xx/network errors. */
  maxRetries: number;
  /** @default globalThis.fetch */
  fetch?: typeof globalThis.fetch;
  /** Waits between attempts; tests pass a recording clock. @default an abortable timer */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Called once per successful HTTP request with its token usage (cost accounting, logs). */
  onUsage?: (usage: TokenUsage, model: string) => void;
}

/**
 * An `LlmClient` over any OpenAI-compatible chat completions endpoint, using the official SDK.
 * Retries are ours, not the SDK's (its `retry-after` wait is unbounded and not abortable):
 * at most `maxRetries` more attempts on 429/5xx/network errors, honouring `retry-after` while it fits
 * in the remaining `timeoutMs`. Asks for `json_schema` output when the request has a schema. When the server
 * rejects a parameter with a 400 (`response_format` on many compatible servers, `max_tokens` or `temperature`
 * on reasoning models) it asks again without it, once per parameter, and remembers that for later calls.
 * One deadline (`timeoutMs`, or the request's earlier `deadline`) covers connecting, headers, the body, retries
 * and waits: when it passes the request is aborted and the call rejects with LLM_TIMEOUT at once. Other failures
 * surface as `LlmError` with code LLM_UNAVAILABLE; a cancelled `signal` rethrows its reason.
 */
export function createOpenAiClient(options: OpenAiClientOptions): LlmClient {
  const sdk = sdkFor(options);
  const sleep = options.sleep ?? defaultSleep;
  const where = options.baseUrl ?? "api.openai.com";
  // Learned once per client from a 400: what this server or model refuses, it will refuse again.
  // Reasoning models (o-series, gpt-5) want max_completion_tokens and no temperature; many
  // compatible servers don't know response_format.
  const compat: Compat = { responseFormat: true, maxCompletionTokens: false, temperature: true };

  async function complete(request: CompletionRequest): Promise<CompletionResult> {
    // One deadline for everything: connecting, headers, the body (the SDK's own timer stops at the
    // headers), retries and their waits. At the deadline the request is aborted and the call rejects.
    const deadline = Math.min(request.deadline ?? Number.POSITIVE_INFINITY, Date.now() + options.timeoutMs);
    return withDeadline(deadline, request.signal, options.timeoutMs, (signal) => attempts(request, deadline, signal));
  }

  async function attempts(
    request: CompletionRequest,
    deadline: number,
    signal: AbortSignal,
  ): Promise<CompletionResult> {
    let retriesLeft = options.maxRetries;
    let attempt = 0;

    for (;;) {
      attempt += 1;
      const withFormat = Boolean(request.jsonSchema) && compat.responseFormat;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw llmTimeout(options.timeoutMs, `no answer from ${where} (${attempt - 1} attempt(s))`);
      try {
        const response = await sdk.chat.completions.create(chatParams(request, options.model, compat, withFormat), {
          timeout: remaining,
          maxRetries: 0,
          signal,
        });
        const result = resultOf(response, request, options.model);
        options.onUsage?.(result.usage, result.model);
        return result;
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        if (!(error instanceof OpenAI.APIError)) throw unavailable(`Unexpected failure calling ${where}`, error);

        if (error instanceof OpenAI.APIConnectionTimeoutError) {
          throw llmTimeout(options.timeoutMs, `no answer from ${where} (${attempt} attempt(s))`, error);
        }
        const status = error.status;
        if (
          status !== undefined &&
          PARAMETER_REJECTED_STATUS.has(status) &&
          adjustTo(compat, error.message, withFormat)
        ) {
          continue;
        }
        const retryable =
          error instanceof OpenAI.APIConnectionError || (status !== undefined && RETRYABLE_STATUS(status));
        const what = status === undefined ? "could not be reached" : `answered HTTP ${status}`;
        if (!retryable || retriesLeft <= 0) {
          throw unavailable(`The model server ${where} ${what} (after ${attempt} attempt(s))`, error, status);
        }
        const requested = retryAfterMs(error.headers);
        if (requested !== undefined && requested > MAX_RETRY_AFTER_MS) {
          throw unavailable(`The model server ${where} asked to wait ${Math.ceil(requested / 1000)} s`, error, status);
        }
        const wait = requested ?? backoffMs(options.maxRetries - retriesLeft);
        if (Date.now() + wait >= deadline) {
          throw unavailable(`The model server ${where} ${what}; no time left to retry`, error, status);
        }
        retriesLeft -= 1;
        await sleep(wait, signal);
      }
    }
  }

  return { model: options.model, timeoutMs: options.timeoutMs, complete };
}

/** The SDK with its own retries off (ours honour the deadline). */
function sdkFor(options: OpenAiClientOptions): OpenAI {
  return new OpenAI({
    apiKey: options.apiKey ?? PLACEHOLDER_API_KEY,
    baseURL: options.baseUrl,
    maxRetries: 0,
    timeout: options.timeoutMs,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}

/** What this server or model accepts, learned from its 400s. */
interface Compat {
  responseFormat: boolean;
  maxCompletionTokens: boolean;
  temperature: boolean;
}

/** Drops or renames the parameter a 400 complains about; false when there is nothing left to adjust. */
function adjustTo(compat: Compat, message: string, withFormat: boolean): boolean {
  if (/max_tokens/.test(message) && !compat.maxCompletionTokens) {
    compat.maxCompletionTokens = true;
    return true;
  }
  if (/temperature/.test(message) && compat.temperature) {
    compat.temperature = false;
    return true;
  }
  if (withFormat) {
    compat.responseFormat = false;
    return true;
  }
  return false;
}

/** The chat completions request, with only the parameters this server accepts. */
function chatParams(request: CompletionRequest, model: string, compat: Compat, withFormat: boolean) {
  const tokenLimit = compat.maxCompletionTokens ? "max_completion_tokens" : "max_tokens";
  return {
    model,
    messages: request.messages.map((message) => ({ role: message.role, content: message.content })),
    ...(request.maxTokens !== undefined ? { [tokenLimit]: request.maxTokens } : {}),
    ...(request.temperature !== undefined && compat.temperature ? { temperature: request.temperature } : {}),
    ...(withFormat && request.jsonSchema
      ? {
          response_format: {
            type: "json_schema" as const,
            json_schema: { name: request.jsonSchema.name, schema: request.jsonSchema.schema, strict: true },
          },
        }
      : {}),
  };
}

/** The answer's text, its token usage (counted ourselves when the server does not say) and the model that wrote it. */
function resultOf(response: OpenAI.ChatCompletion, request: CompletionRequest, model: string): CompletionResult {
  const text = response.choices[0]?.message?.content ?? "";
  const usage: TokenUsage = {
    prompt_tokens: response.usage?.prompt_tokens ?? countTokens(request.messages.map((m) => m.content).join("\n")),
    completion_tokens: response.usage?.completion_tokens ?? countTokens(text),
  };
  return { text, usage, model: response.model || model };
}

/** Milliseconds asked for by `retry-after-ms` or `retry-after` (seconds or an HTTP date). */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  const millis = Number.parseFloat(headers?.get("retry-after-ms") ?? "");
  if (Number.isFinite(millis) && millis >= 0) return millis;
  const raw = headers?.get("retry-after");
  if (!raw) return undefined;
  const seconds = Number.parseFloat(raw);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function backoffMs(retryIndex: number): number {
  const base = Math.min(BACKOFF_BASE_MS * 2 ** retryIndex, BACKOFF_CAP_MS);
  return base * (1 - Math.random() * 0.25);
}

async function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  await sleepFor(ms, undefined, signal ? { signal } : undefined);
}

function unavailable(message: string, cause: unknown, status?: number): LlmError {
  return new LlmError(ErrorCode.LlmUnavailable, message, {
    cause,
    ...(status !== undefined ? { details: { status } } : {}),
  });
}
