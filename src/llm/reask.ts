/**
 * The re-ask loop shared by summaries and follow-up answers: ask, judge the answer, and when it is
 * malformed or in the wrong language ask again in the same conversation (the answer echoed back, then
 * what to fix) — at most once per kind of fault.
 */
import { ErrorCode, LlmError } from "../errors.js";
import type { CompletionRequest, CompletionResult, LlmClient } from "./client.js";

/** What `check` says of one answer. */
export type Verdict<T> =
  | { readonly ok: T }
  | {
      /** The kind of fault ("format", "language"): each kind is re-asked at most once. */
      readonly kind: string;
      /** What to tell the model; without it, no re-ask: the fallback is used or `failure` thrown. */
      readonly fix?: string;
      /** Usable if nothing better comes (e.g. a summary in the wrong language); the latest one wins. */
      readonly fallback?: T;
      /** The LLM_BAD_OUTPUT message when giving up with no fallback. */
      readonly failure: string;
    };

export interface ReaskOptions<T> {
  llm: LlmClient;
  /** The first request; re-asks add to its messages. Its `signal` is honoured throughout. */
  request: CompletionRequest;
  check(result: CompletionResult): Verdict<T>;
  /** Every answer as it comes (usage counting). */
  onResult?(result: CompletionResult): void;
  /** A bad answer is echoed back cut to this many characters. @default Infinity */
  echoChars?: number;
  /** A re-ask whose call fails (LlmError) keeps the fallback instead of throwing. @default false */
  keepFallbackOnError?: boolean;
}

/** The usable answer and the model call it came from. Throws LlmError (LLM_BAD_OUTPUT) when none came. */
export async function askWithReasks<T>(options: ReaskOptions<T>): Promise<{ value: T; result: CompletionResult }> {
  const messages = [...options.request.messages];
  const asked = new Set<string>();
  let fallback: { value: T; result: CompletionResult } | undefined;
  for (;;) {
    let result: CompletionResult;
    try {
      result = await options.llm.complete({ ...options.request, messages });
    } catch (error) {
      // The model already answered once: a failed re-ask must not throw that answer away.
      const keep = options.keepFallbackOnError && fallback && !options.request.signal?.aborted;
      if (keep && fallback && error instanceof LlmError) return fallback;
      throw error;
    }
    options.onResult?.(result);
    const verdict = options.check(result);
    if ("ok" in verdict) return { value: verdict.ok, result };
    if (verdict.fallback !== undefined) fallback = { value: verdict.fallback, result };
    if (verdict.fix === undefined || asked.has(verdict.kind)) {
      if (fallback) return fallback;
      throw new LlmError(ErrorCode.LlmBadOutput, verdict.failure);
    }
    asked.add(verdict.kind);
    messages.push(
      { role: "assistant", content: result.text.slice(0, options.echoChars ?? result.text.length) },
      { role: "user", content: verdict.fix },
    );
  }
}
