# syntax=docker/dockerfile:1.7
# guru-operator, the KdbDatabase controller (docs/operator.md). Build from the repository root:
#   docker build -f images/operator.Dockerfile -t ghcr.io/time-series-guru/guru-operator:0.1.0 .
#
# Node 22 (LTS): see api.Dockerfile. Base image pinned by tag; no digest could be looked up where
# this was written (no registry access): pin one when you build (`docker buildx imagetools inspect`).

# ---- build: every dependency, compile TypeScript to dist/
FROM node:22.22.0-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.base.json tsconfig.json ./
COPY qipc/ qipc/
COPY crds/ crds/
COPY operator/ operator/
RUN npx tsc -b operator

# ---- deps: production dependencies, less the API's, the engine's and yaml (only `make crds` writes YAML)
# (test/unit/images.test.ts checks the list against what the operator imports)
FROM node:22.22.0-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm uninstall --omit=dev --no-save --no-audit --no-fund @aws-sdk/client-dynamodb @aws-sdk/client-s3 \
      @aws-sdk/client-sns @aws-sdk/client-sqs @duckdb/node-api @duckdb/node-bindings dynalite express ioredis yaml \
 && npm cache clean --force

# ---- runtime: node, production node_modules and dist/; no npm, no compilers, no sources
FROM node:22.22.0-bookworm-slim
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /opt/yarn* /usr/local/bin/yarn* \
 && groupadd --system --gid 10001 guru \
 && useradd --system --uid 10001 --gid guru --no-create-home --home-dir /nonexistent guru
WORKDIR /app
ENV NODE_ENV=production
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY images/healthcheck.mjs ./healthcheck.mjs
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "/app/healthcheck.mjs", "GURU_OPERATOR_HTTP_PORT", "8080", "/healthz"]
ENTRYPOINT ["node", "dist/operator/src/main.js"]
