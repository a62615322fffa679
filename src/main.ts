// Composition root. Filled in by the bot issue; until then it runs the CLI help.
import { loadConfig } from "./config.js";

loadConfig(process.env);
console.log("Jianbao: the bot is not wired yet. Try: npm run --silent cli -- clean <url|file>");
