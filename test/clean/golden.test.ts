import { describe, expect, it } from "vitest";
import { listGoldenCases, readExpected, runGoldenCase } from "../update-golden.js";

// Golden files: test/fixtures/pages/<case>/{source.html|source.txt, expected.json}.
// After an intended change, `npm run golden:update` rewrites expected.json; review the diff.
const cases = listGoldenCases();

describe("golden pages", () => {
  it("has the HTML and pasted-text cases the cleaning issue asks for", () => {
    expect(cases.filter((c) => c.kind === "html").length).toBeGreaterThanOrEqual(9);
    expect(cases.length).toBeGreaterThanOrEqual(12);
  });

  for (const testCase of cases) {
    it(`${testCase.name} (${testCase.kind}) matches expected.json`, () => {
      expect(runGoldenCase(testCase)).toEqual(readExpected(testCase));
    });
  }
});
