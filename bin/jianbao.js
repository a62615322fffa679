#!/usr/bin/env node
// The package's `jianbao` command: runs the TypeScript CLI through tsx without a build step, or the compiled
// build (dist/cli.js, `npm run build`) where the sources are not shipped (the Docker image).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const source = join(root, "src", "cli.ts");
const entry = existsSync(source) ? [require.resolve("tsx/cli"), source] : [join(root, "dist", "cli.js")];
const result = spawnSync(process.execPath, [...entry, ...process.argv.slice(2)], { stdio: "inherit" });
process.exit(result.status ?? 1);
