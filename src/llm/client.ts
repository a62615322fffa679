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
}

export interface CompletionResult {
  text: string;
  usage: TokenUsage;
  model: string;
}

/**
 * The one small interface every model-using stage takes (summaries, answers, digests).
 * The OpenAI-compatible adapter implements it; tests pass the real adapter pointed at a fake server.
 * Implementations throw `LlmError` (code LLM_UNAVAILABLE) once retries are spent.
 */
export interface LlmClient {
  readonly model: string;
  complete(request: CompletionRequest): Promise<CompletionResult>;
}
