# syntax=docker/dockerfile:1.7
# guru-engine, the embedded data plane serving the guru q API (docs/engine.md): the image
# guru-operator runs for `engine: guru-engine` databases. Build from the repository root:
#   docker build -f images/engine.Dockerfile -t ghcr.io/time-series-guru/guru-engine:0.1.0 .
# guru-operator's ConfigMap sets GURU_SEGMENTS (one directory per stripe volume) and the rest;
# the ports below match it: q IPC on 5000, /healthz, /readyz and /metrics on 8081.
#
# Node 22 (LTS): see api.Dockerfile. Base image pinned by tag; no digest could be looked up where
# this was written (no registry access): pin one when you build (`docker buildx imagetools inspect`).
# DuckDB's native bindings come prebuilt for linux-x64/arm64 glibc (bookworm), so no compiler is
# needed in any stage.

# ---- build: every dependency, compile TypeScript to dist/
FROM node:22.22.0-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.base.json tsconfig.json ./
COPY qipc/ qipc/
COPY q-api/ q-api/
COPY engine/ engine/
RUN npx tsc -b engine

# ---- deps: production dependencies, less the API's and the operator's own
# (test/unit/images.test.ts checks the list against what the engine imports)
FROM node:22.22.0-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm uninstall --omit=dev --no-save --no-audit --no-fund @aws-sdk/client-dynamodb @aws-sdk/client-s3 \
      @aws-sdk/client-sns @aws-sdk/client-sqs @kubernetes/client-node dynalite express ioredis yaml \
 && npm cache clean --force

# ---- runtime: node, production node_modules and dist/; no npm, no compilers, no sources
FROM node:22.22.0-bookworm-slim
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /opt/yarn* /usr/local/bin/yarn* \
 && groupadd --system --gid 10001 guru \
 && useradd --system --uid 10001 --gid guru --no-create-home --home-dir /nonexistent guru \
 && mkdir -p /data && chown 10001:10001 /data
WORKDIR /app
ENV NODE_ENV=production \
    GURU_HOST=0.0.0.0 \
    GURU_PORT=5000 \
    GURU_HTTP_HOST=0.0.0.0 \
    GURU_HTTP_PORT=8081
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY images/healthcheck.mjs ./healthcheck.mjs
USER 10001:10001
EXPOSE 5000 8081
VOLUME ["/data"]
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "/app/healthcheck.mjs", "GURU_HTTP_PORT", "8081", "/healthz"]
ENTRYPOINT ["node", "dist/engine/src/main.js"]
