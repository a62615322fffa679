/**
 * Real Jianbao processes for the multi-process tests: `node --import tsx src/main.ts`, which is what `npm start`
 * (tsx src/main.ts) runs, without tsx's CLI wrapper — so a SIGKILL reaches the bot itself
 * and not a parent that would leave it running. Each listens on its own free loopback port in webhook mode.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { freePort } from "../helpers/redis.js";

const ROOT = new URL("../..", import.meta.url).pathname;

export interface Replica {
  name: string;
  port: number;
  /** Its webhook URL. */
  hook: string;
  child: ChildProcess;
  /** stderr so far (JSON log lines). */
  logs(): string;
  /** Resolves with the exit code (null after a signal). */
  exited: Promise<number | null>;
  /** Sends a signal to this process only. */
  kill(signal: NodeJS.Signals): void;
}

/** Environment without the developer's own settings leaking in (a real OPENAI_API_KEY, a STORE_URL…). */
function cleanEnv(): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const name of Object.keys(env)) {
    if (/^(OPENAI_|STORE_URL|WEBHOOK_|PORT$|HOST$|REPLICA_ID|JOB_LEASE_MS|TELEGRAM_|DATA_DIR)/.test(name))
      delete env[name];
  }
  return env;
}

/** What `npm start` runs (the sources through tsx), and what the Dockerfile runs (the compiled build, `npm run build`). */
export const FROM_SOURCES = ["--import", "tsx", "src/main.ts"];
export const COMPILED = ["dist/main.js"];

/** Starts one replica and waits until /healthz answers 200 and it has told Telegram its webhook. */
export async function startReplica(
  name: string,
  env: Record<string, string>,
  path = "/tg/hook",
  entry: readonly string[] = FROM_SOURCES,
): Promise<Replica> {
  const port = await freePort();
  const child = spawn(process.execPath, [...entry], {
    cwd: ROOT,
    env: {
      ...cleanEnv(),
      LOG_LEVEL: "info",
      CPU_THREADS: "1",
      FETCH_ALLOW_PRIVATE: "1",
      HOST: "127.0.0.1",
      PORT: String(port),
      REPLICA_ID: name,
      WEBHOOK_URL: `http://127.0.0.1:${port}${path}`,
      ...env,
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let logs = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    logs += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  const replica: Replica = {
    name,
    port,
    hook: `http://127.0.0.1:${port}${path}`,
    child,
    logs: () => logs,
    exited,
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
  let early: number | null | undefined;
  void exited.then((code) => {
    early = code;
  });
  for (let attempt = 0; attempt < 300; attempt += 1) {
    if (early !== undefined) throw new Error(`replica ${name} exited with ${early}: ${logs}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (response.status === 200 && logs.includes("webhook mode")) return replica;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  replica.kill("SIGKILL");
  throw new Error(`replica ${name} did not become ready: ${logs}`);
}

/** SIGKILLs whatever is still running (afterAll). */
export async function killAll(replicas: readonly Replica[]): Promise<void> {
  for (const replica of replicas) replica.kill("SIGKILL");
  await Promise.all(replicas.map((replica) => replica.exited));
}
