# Jianbao (简报): a small, non-root image that runs the bot with long polling.
#   docker build -t jianbao .
#   docker run -d --name jianbao -e TELEGRAM_BOT_TOKEN=123456:ABC… -e OPENAI_API_KEY=… -v jianbao-data:/data jianbao
# Without TELEGRAM_BOT_TOKEN it opens the terminal chat: docker run -it --rm jianbao

# ── build: production dependencies, with the toolchain sqlite3 may need to compile its native module ──
FROM node:24-slim AS deps
WORKDIR /app
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# tsx is a runtime dependency (the sources run as TypeScript, no build step).
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# ── runtime: node, the dependencies and the sources; no compilers ──
FROM node:24-slim
ENV NODE_ENV=production \
    DATA_DIR=/data
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY src ./src
COPY prompts ./prompts
COPY bin ./bin
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
# The bot rewrites $DATA_DIR/health every 30 s while long polling runs (src/main.ts); a stale or
# missing file means polling stopped or the process hung.
HEALTHCHECK --interval=60s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "const f=(process.env.DATA_DIR||'/data')+'/health';const age=Date.now()-require('fs').statSync(f).mtimeMs;process.exit(age<120000?0:1)"]
# SIGTERM (docker stop) stops polling, drains running summaries and closes the store.
STOPSIGNAL SIGTERM
CMD ["node", "--import", "tsx", "src/main.ts"]
