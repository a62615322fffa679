/**
 * `npm run bench:scale` — how Jianbao holds up under big pages. A benchmark, not a test: it prints figures.
 *
 * Sections (all by default; name some to run only those):
 *   --clean    cleaning time by page size and nesting depth, the five largest real pages and 200 KB pastes,
 *              beside Readability + jsdom on the same HTML (bench/clean-scale.ts)
 *   --loop     event-loop delay while a burst of 20 pages of 4 MB is cleaned through the worker pool,
 *              beside the same burst cleaned inline on the event loop (bench/event-loop.ts)
 * Options:
 *   --pages=N    pages in the burst (default 20)
 *   --threads=N  pool threads (default: available cores)
 *   --nice=N     workers' priority decrease (default: the pool's, 10)
 *   --no-anchor  skip the anchors (Readability, the inline run) (faster iteration; the reported figures include it)
 */
import { parseArgs } from "node:util";
import { runCleaningBench } from "./clean-scale.js";
import { runEventLoopBench } from "./event-loop.js";

const { values } = parseArgs({
  options: {
    clean: { type: "boolean" },
    loop: { type: "boolean" },
    pages: { type: "string" },
    threads: { type: "string" },
    nice: { type: "string" },
    "no-anchor": { type: "boolean" },
  },
  strict: true,
});
const all = !values.loop && !values.clean;

if (values.clean || all) runCleaningBench({ anchor: !values["no-anchor"] });

if (values.loop || all) {
  await runEventLoopBench({
    ...(values.pages ? { pages: Number(values.pages) } : {}),
    ...(values.threads ? { threads: Number(values.threads) } : {}),
    ...(values.nice ? { nice: Number(values.nice) } : {}),
    anchor: !values["no-anchor"],
  });
}
