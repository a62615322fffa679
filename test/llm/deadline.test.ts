/**
 * One summary or one answer is a request plus its re-asks; together they get LLM_TIMEOUT_MS, not that much
 * each: every call made for it carries the same deadline to the client.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { CompletionRequest, LlmClient } from "../../src/llm/client.js";
import { sharedDeadline } from "../../src/llm/deadline.js";
import { createOpenAiClient } from "../../src/llm/openai.js";
import { summarize } from "../../src/llm/summarize.js";
import { makeArticle } from "../../src/pipeline/clean/article.js";
import { answerQuestion } from "../../src/qa/answer.js";
import { modelSummary } from "../bot/harness.js";
import { type FakeOpenAi, startFakeOpenAi } from "../fakes/openai.js";

const article = makeArticle({
  title: "Rivers of the North",
  paragraphs: [
    "River levels in the north rose sharply this spring, and researchers at three gauging stations logged twelve weeks of readings.",
    "They say early snowmelt is the main cause, and ferry crossings opened two weeks sooner than usual.",
    "Officials will publish the full figures next month, once the last station has been checked by hand.",
  ],
});

let ai: FakeOpenAi;
beforeAll(async () => {
  ai = await startFakeOpenAi();
});
afterAll(async () => {
  await ai.close();
});
beforeEach(() => {
  ai.requests.length = 0;
  ai.setFallback({ status: 500 });
});

/** The real adapter on the fake server, recording the deadline of every call made through it. */
function recordingClient(): { llm: LlmClient; deadlines: (number | undefined)[] } {
  const real = createOpenAiClient({ baseUrl: ai.baseUrl, model: "fake-model", timeoutMs: 5000, maxRetries: 0 });
  const deadlines: (number | undefined)[] = [];
  const llm: LlmClient = {
    model: real.model,
    timeoutMs: real.timeoutMs,
    complete: (request: CompletionRequest) => {
      deadlines.push(request.deadline);
      return real.complete(request);
    },
  };
  return { llm, deadlines };
}

describe("one deadline for a request and its re-asks", () => {
  it("gives a summary's re-ask for a malformed answer the first request's deadline", async () => {
    ai.reply({ content: "no JSON and no bullets here" }, { content: modelSummary("en") });
    const { llm, deadlines } = recordingClient();
    const summary = await summarize({ article, lang: "en", llm });
    expect(summary.mode).toBe("llm");
    expect(ai.chatRequests()).toHaveLength(2);
    expect(deadlines).toHaveLength(2);
    expect(deadlines[0]).toBeTypeOf("number");
    expect(deadlines[1]).toBe(deadlines[0]);
  });

  it("gives an answer's re-ask for the wrong language the first request's deadline", async () => {
    const json = (answer: string) => JSON.stringify({ answer, quotes: [0], not_in_article: false });
    ai.reply({ content: json("北方河流的水位今年春天明显上升。") }, { content: json("River levels rose sharply.") });
    const { llm, deadlines } = recordingClient();
    const answer = await answerQuestion({ article, question: "What happened to the rivers?", lang: "en", llm });
    expect(answer.text).toBe("River levels rose sharply.");
    expect(deadlines).toHaveLength(2);
    expect(deadlines[1]).toBe(deadlines[0]);
  });

  it("keeps an earlier deadline a caller set, and leaves a client without a budget as it is", async () => {
    const seen: (number | undefined)[] = [];
    const client: LlmClient = {
      model: "m",
      timeoutMs: 60_000,
      complete: async (request) => {
        seen.push(request.deadline);
        return { text: "", usage: { prompt_tokens: 0, completion_tokens: 0 }, model: "m" };
      },
    };
    const shared = sharedDeadline(client);
    await shared.complete({ messages: [], deadline: 1 });
    await shared.complete({ messages: [] });
    expect(seen[0]).toBe(1);
    expect(seen[1]).toBeGreaterThan(1);
    const unbounded: LlmClient = { model: "m", complete: client.complete };
    expect(sharedDeadline(unbounded)).toBe(unbounded);
  });
});
