import type { TokenUsage } from "../types.js";

/** One chat message sent to the model. */
export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface CompletionRequest {
  messages: readonly ChatMessage[];
  /** Ask for JSON matching this schema (json_schema where the server supports it). */
  jsonSchema?: { name: string; schema: Record<string, unknown> };
  maxTokens?: number;
  temperature?: number;
  signal?: AbortSignal;
  /**
   * Finish by this time (epoch ms), whatever the client's own budget: set by the concurrency limiter when the
   * call is made, so the wait for a slot counts. The earlier of this and the client's timeout applies.
   */
  deadline?: number;
}

export interface CompletionResult {
  text: string;
  usage: TokenUsage;
  model: string;
}

/**
 * The one small interface every model-using stage takes (summaries, answers, digests).
 * The OpenAI-compatible adapter implements it; tests pass the real adapter pointed at a fake server.
 * Implementations throw `LlmError`: LLM_TIMEOUT once the call's deadline passed (connecting, headers, body,
 * retries and waits all count), LLM_UNAVAILABLE once retries are spent.
 */
export interface LlmClient {
  readonly model: string;
  /**
   * The time one call may take (LLM_TIMEOUT_MS), when the client has one. A stage that makes several calls
   * for one answer (a request and its re-asks) gives them one shared deadline of this much (`sharedDeadline`).
   */
  readonly timeoutMs?: number;
  complete(request: CompletionRequest): Promise<CompletionResult>;
}
