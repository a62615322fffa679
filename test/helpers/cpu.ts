import { type CpuWork, inlineCpu } from "../../src/workers/cpu.js";

/** inlineCpu, counting its calls: proves a caller cleans and summarizes offline through `deps.cpu`. */
export function countingCpu(): CpuWork & { calls: { cleanPage: number; summarizeOffline: number } } {
  const calls = { cleanPage: 0, summarizeOffline: 0 };
  return {
    calls,
    cleanPage: (page) => {
      calls.cleanPage += 1;
      return inlineCpu.cleanPage(page);
    },
    summarizeOffline: (options) => {
      calls.summarizeOffline += 1;
      return inlineCpu.summarizeOffline(options);
    },
    close: () => inlineCpu.close(),
  };
}
