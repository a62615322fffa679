# Jianbao (简报): a small, non-root image that runs the bot (long polling, or webhooks with WEBHOOK_URL).
#   docker build -t jianbao .
#   docker run -d --name jianbao -e TELEGRAM_BOT_TOKEN=123456:ABC… -e OPENAI_API_KEY=… -v jianbao-data:/data jianbao
# Several replicas behind a proxy: docker-compose.yml.
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
    DATA_DIR=/data \
    PORT=8080
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY src ./src
COPY prompts ./prompts
COPY bin ./bin
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
# PORT is set, so the operator server runs in both modes: /healthz answers 200 while the event loop and the
# store answer (503 when the store is down).
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM (docker stop): stop accepting, finish running jobs within SHUTDOWN_GRACE_MS, hand the rest back, exit.
STOPSIGNAL SIGTERM
CMD ["node", "--import", "tsx", "src/main.ts"]
