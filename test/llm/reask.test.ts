import { describe, expect, it } from "vitest";
import { ErrorCode, LlmError } from "../../src/errors.js";
import type { CompletionRequest, CompletionResult, LlmClient } from "../../src/llm/client.js";
import { askWithReasks, type Verdict } from "../../src/llm/reask.js";

/** A model that answers from a script, one entry per call (an Error is thrown), recording what it was sent. */
function scripted(answers: Array<string | Error>): LlmClient & { sent: CompletionRequest[] } {
  const sent: CompletionRequest[] = [];
  return {
    model: "scripted",
    sent,
    async complete(request): Promise<CompletionResult> {
      sent.push(request);
      const next = answers[sent.length - 1];
      if (next === undefined) throw new Error("no more answers");
      if (next instanceof Error) throw next;
      return { text: next, usage: { prompt_tokens: 1, completion_tokens: 1 }, model: "scripted" };
    },
  };
}

/** Upper case is "the right language"; empty text is malformed. */
const check = ({ text }: CompletionResult): Verdict<string> => {
  if (!text) return { kind: "format", fix: "send text", failure: "empty twice" };
  if (text !== text.toUpperCase()) return { kind: "language", fix: "in capitals", fallback: text, failure: "" };
  return { ok: text };
};
const request: CompletionRequest = { messages: [{ role: "user", content: "hi" }] };

describe("the re-ask loop", () => {
  it("re-asks in the same conversation, echoing the answer and saying what to fix", async () => {
    const llm = scripted(["hello", "HELLO"]);
    const { value } = await askWithReasks({ llm, request, check });
    expect(value).toBe("HELLO");
    expect(llm.sent[1]?.messages.map((message) => message.content)).toEqual(["hi", "hello", "in capitals"]);
  });

  it("re-asks each kind of fault once, then keeps the fallback or gives up with LLM_BAD_OUTPUT", async () => {
    expect((await askWithReasks({ llm: scripted(["hello", "still lower"]), request, check })).value).toBe(
      "still lower",
    );
    expect((await askWithReasks({ llm: scripted(["hello", "", ""]), request, check })).value).toBe("hello");
    const failed = askWithReasks({ llm: scripted(["", ""]), request, check });
    await expect(failed).rejects.toMatchObject({ code: ErrorCode.LlmBadOutput, message: "empty twice" });
  });

  it("keeps the first answer when the re-ask call fails, only if asked to", async () => {
    const down = () => new LlmError(ErrorCode.LlmUnavailable, "down");
    const kept = await askWithReasks({ llm: scripted(["hello", down()]), request, check, keepFallbackOnError: true });
    expect(kept.value).toBe("hello");
    await expect(askWithReasks({ llm: scripted(["hello", down()]), request, check })).rejects.toThrow("down");
  });
});
