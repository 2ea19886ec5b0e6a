# syntax=docker/dockerfile:1.7
# guru-api, the REST API (docs/api.md). Build from the repository root:
#   docker build -f images/api.Dockerfile -t ghcr.io/time-series-guru/guru-api:0.1.0 .
#
# Node 22 (LTS): the AWS SDK for JavaScript v3 requires Node 22 from its 2027 releases, so the
# images run 22 although development machines may still run Node 20 (package.json: >=20.19).
# Base image pinned by tag. No digest is pinned: none could be looked up where this was written
# (no registry access). Pin one when you build, e.g.
#   FROM node:22.22.0-bookworm-slim@sha256:<digest from `docker buildx imagetools inspect node:22.22.0-bookworm-slim`>

# ---- build: every dependency, compile TypeScript to dist/
FROM node:22.22.0-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.base.json tsconfig.json ./
COPY qipc/ qipc/
COPY q-api/ q-api/
COPY engine/ engine/
COPY crds/ crds/
COPY api/ api/
COPY console/ console/
RUN npx tsc -b api && npx tsc -p console && npx vite build --config console/vite.config.ts

# ---- deps: production dependencies, less those only local mode or the build loads (dynalite,
# guru-engine's DuckDB, yaml): this image runs the cloud API (test/unit/images.test.ts checks the list)
FROM node:22.22.0-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm uninstall --omit=dev --no-save --no-audit --no-fund @duckdb/node-api @duckdb/node-bindings dynalite yaml \
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
    GURU_API_DATA_DIR=/data
COPY --from=deps /app/node_modules ./node_modules
# the API and what it imports; tsc -b api also compiles guru-engine, which local mode alone runs
COPY --from=build /app/dist/api ./dist/api
COPY --from=build /app/dist/qipc ./dist/qipc
COPY --from=build /app/dist/q-api ./dist/q-api
COPY --from=build /app/dist/crds ./dist/crds
# the web console's static files, served at /console/ (docs/console.md)
COPY --from=build /app/dist/console ./dist/console
COPY package.json ./
COPY images/healthcheck.mjs ./healthcheck.mjs
USER 10001:10001
EXPOSE 8080 9464
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "/app/healthcheck.mjs", "GURU_API_PORT", "8080", "/healthz"]
# the admin CLI is in the same image: node dist/api/src/admin-cli.js create-admin-token
ENTRYPOINT ["node", "dist/api/src/main.js"]
