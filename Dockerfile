# TovWatch: build the native addon (re2) and the UI with the full toolchain, then run on a
# slim image with production dependencies only, as the unprivileged "node" user.
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

# --- 1. dependencies, with the tools re2's node-gyp build needs when no prebuilt binary fits
FROM ${NODE_IMAGE} AS deps
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund

# --- 2. the UI (Vite) -> ui/dist
FROM deps AS ui
COPY tsconfig.json ./
COPY shared ./shared
COPY ui ./ui
RUN npm run build:ui

# --- 3. production dependencies only (keeps the compiled re2, drops vite, vitest, ...)
FROM deps AS prod-deps
RUN npm prune --omit=dev

# --- 4. runtime
FROM ${NODE_IMAGE} AS runtime
# pg_dump/pg_restore 15 for `npm run backup` (same major as the server), tini as PID 1.
RUN apt-get update \
  && apt-get install -y --no-install-recommends postgresql-client-15 tini ca-certificates \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    BASE_PATH=/logs \
    DATA_DIR=/data \
    TOVWATCH_LOG_FILE=/data/logs/tovwatch.log \
    BACKUP_DIR=/backups
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY server ./server
COPY shared ./shared
COPY rules ./rules
COPY deploy/healthcheck.mjs deploy/migrate.ts deploy/migrate.sh ./deploy/
COPY --from=ui /app/ui/dist ./ui/dist
RUN mkdir -p /data/logs /backups && chown -R node:node /data /backups && chmod 700 /data /data/logs
USER node
VOLUME ["/data", "/backups"]
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=5s --start-period=40s --retries=3 \
  CMD ["node", "deploy/healthcheck.mjs"]
ENTRYPOINT ["tini", "--"]
CMD ["node", "--import", "tsx", "server/src/main.ts"]
