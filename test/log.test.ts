import { describe, expect, it } from "vitest";
import { createLogger, scrubSecrets } from "../src/log.js";

const TOKEN = "123456789:AAHfakeTokenForTestsOnly_abcdefghijkl";

function capture(level: Parameters<typeof createLogger>[0]) {
  const lines: string[] = [];
  const logger = createLogger(level, (line) => lines.push(line));
  return { logger, records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe("logger", () => {
  it("writes one JSON record per call with level, time, message and fields", () => {
    const { logger, records } = capture("info");
    logger.info("summary sent", { chatId: 42, mode: "llm" });
    expect(records()).toEqual([
      expect.objectContaining({ level: "info", message: "summary sent", chatId: 42, mode: "llm" }),
    ]);
    expect(String(records()[0]?.time)).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it("drops records under its level", () => {
    const { logger, records } = capture("warn");
    logger.info("quiet");
    logger.debug("quieter");
    logger.warn("loud");
    expect(records().map((record) => record.message)).toEqual(["loud"]);
  });

  it("child loggers carry the update's chatId and updateId", () => {
    const { logger, records } = capture("info");
    logger.child({ chatId: 7, updateId: 1001 }).info("handled");
    expect(records()[0]).toMatchObject({ chatId: 7, updateId: 1001, message: "handled" });
  });

  it("hides message texts at info level but keeps them at debug", () => {
    const info = capture("info");
    info.logger.info("question", { text: "my private words", nested: { question: "why?" } });
    expect(JSON.stringify(info.records())).not.toContain("private words");
    expect(JSON.stringify(info.records())).not.toContain("why?");
    const debug = capture("debug");
    debug.logger.debug("question", { text: "my private words" });
    expect(debug.records()[0]?.text).toBe("my private words");
  });

  it("scrubs bot tokens and API keys from every line, even inside URLs and messages", () => {
    const { logger, records } = capture("debug");
    logger.error("telegram failed", {
      error: new Error(`request to https://api.telegram.org/bot${TOKEN}/sendMessage failed`),
      key: "sk-proj-abcdefghijklmnopqrstuvwxyz",
    });
    const line = JSON.stringify(records());
    expect(line).not.toContain(TOKEN);
    expect(line).not.toContain("sk-proj-abcdefghijklmnop");
    expect(line).toContain("bot[redacted]/sendMessage");
  });

  it("serializes errors to name, message and code", () => {
    const { logger, records } = capture("info");
    logger.warn("failed", { error: Object.assign(new Error("boom"), { code: "FETCH_TIMEOUT" }) });
    expect(records()[0]?.error).toEqual({ name: "Error", message: "boom", code: "FETCH_TIMEOUT" });
  });

  it("scrubSecrets leaves ordinary numbers and words alone", () => {
    expect(scrubSecrets("chat 123456 at 10:30, 5 items")).toBe("chat 123456 at 10:30, 5 items");
  });
});
