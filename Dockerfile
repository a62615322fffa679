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
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# ── compile: the sources to plain JavaScript (npm run build → dist/). The image runs the compiled build:
#    with the modules loaded and two workers warmed, one process takes 128 MB compiled and 192 MB under tsx.
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# ── runtime: node, the dependencies and the sources; no compilers ──
FROM node:24-slim
# MALLOC_ARENA_MAX: glibc gives each thread (event loop, CPU workers, libuv) its own malloc arenas, which hold
# freed memory; two arenas cut bench:digest's peak resident set at 1,000 people from 274 to 259 MB.
ENV NODE_ENV=production \
    MALLOC_ARENA_MAX=2 \
    DATA_DIR=/data \
    PORT=8080
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY --from=build /app/dist ./dist
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
CMD ["node", "dist/main.js"]
