import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { ConfigError } from "../src/errors.js";

describe("loadConfig", () => {
  it("reads the Telegram rate and the digest tick, with their defaults", () => {
    const defaults = loadConfig({});
    expect(defaults.telegram.maxPerSecond).toBe(30);
    expect(defaults.digest.tickSeconds).toBe(60);
    const set = loadConfig({ TELEGRAM_MAX_PER_SECOND: "100", DIGEST_TICK_SECONDS: "5" });
    expect(set.telegram.maxPerSecond).toBe(100);
    expect(set.digest.tickSeconds).toBe(5);
  });

  it("refuses a digest tick outside 1–60 seconds and a rate below 1, naming the setting", () => {
    expect(() => loadConfig({ DIGEST_TICK_SECONDS: "90" })).toThrow(ConfigError);
    expect(() => loadConfig({ DIGEST_TICK_SECONDS: "90" })).toThrow(
      /DIGEST_TICK_SECONDS must be a whole number from 1 to 60/,
    );
    expect(() => loadConfig({ DIGEST_TICK_SECONDS: "0" })).toThrow(/DIGEST_TICK_SECONDS/);
    expect(() => loadConfig({ TELEGRAM_MAX_PER_SECOND: "0" })).toThrow(
      /TELEGRAM_MAX_PER_SECOND must be a whole number ≥ 1/,
    );
  });

  it("lists every setting it reads in .env.example", async () => {
    const { readFileSync } = await import("node:fs");
    const source = readFileSync(new URL("../src/config.ts", import.meta.url), "utf8");
    const example = readFileSync(new URL("../.env.example", import.meta.url), "utf8");
    const read = new Set([...source.matchAll(/env, "([A-Z_]+)"/g)].map((match) => match[1]));
    const missing = [...read].filter((name) => !new RegExp(`^#?\\s*${name}=`, "m").test(example));
    expect(missing).toEqual([]);
  });
});
