# Time Series Guru: every task a developer or CI runs. `make help` lists them.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# Tool caches live outside the repository and are reused across clones.
export GURU_CACHE_DIR ?= $(HOME)/.cache/time-series-guru
export MOTO_VERSION ?= 5.2.5
export MOTO_VENV ?= $(GURU_CACHE_DIR)/moto-$(MOTO_VERSION)
# InfluxDB 1.x's Python client library, a client the tests drive (`make clients`)
export INFLUXDB_PY_VERSION ?= 5.3.2
export INFLUXDB_PY_VENV ?= $(GURU_CACHE_DIR)/influxdb-python-$(INFLUXDB_PY_VERSION)

MOCHA := npx mocha
# Each suite folder that exists; `make test` runs them all in one mocha run, so one closing line
# counts every test. test/e2e runs on the local control plane (`make cluster-tools`: about 8 minutes
# of Go builds on a fresh machine, reused afterwards).
SUITES := $(wildcard test/unit test/integration test/contract test/e2e)
spec = $(foreach suite,$(1),'$(suite)/**/*.test.ts')
DATA_DIR ?= ./data
API_PORT ?= 8080
# Local mode (docs/api.md#configuration): catalog in dynalite on disk, cache and events in
# process, each database a guru-engine under $(DATA_DIR)/<account>/<database>/stripe-N.
LOCAL_API_ENV := GURU_API_MODE=local GURU_API_DATA_DIR=$(DATA_DIR) GURU_API_PORT=$(API_PORT)
# A bare engine with a fixed development login, for q clients and the contract suite.
LOCAL_ENGINE_ENV := GURU_SEGMENTS=$(DATA_DIR)/engine/stripe-0,$(DATA_DIR)/engine/stripe-1 \
  GURU_PORT=5001 GURU_HTTP_PORT=8081 GURU_CREDENTIALS=guru:guru
# The AWS SDK warns on every start that its 2027 releases will need Node 22; we pin Node 20 on purpose.
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ?= true
# soak.ts is not a benchmark: `make soak` runs it alone
BENCHES := $(filter-out soak,$(basename $(notdir $(wildcard bench/*.ts))))
# Images and chart (docs/install.md)
IMAGE_REGISTRY ?= ghcr.io/time-series-guru
IMAGE_TAG ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
IMAGES := api operator engine
CHART_DIR ?= helm/time-series-guru
DOCKER ?= docker

##@ General

.PHONY: help
help: ## Show this help
	@awk 'BEGIN {FS = ":.*##"; printf "Usage: make \033[36m<target>\033[0m\n"} \
	  /^[a-zA-Z0-9_%-]+:.*?##/ { printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2 } \
	  /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) }' $(MAKEFILE_LIST)

##@ Development

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

.PHONY: install
install: node_modules/.package-lock.json ## Install npm dependencies (npm ci when missing or stale)

.PHONY: services
services: ## Install the real servers the tests start (redis-server, moto)
	@scripts/install-services.sh

.PHONY: clients
clients: ## Install the real clients the tests drive (collectd, the influx CLI: Debian packages; InfluxDB's Python client: PyPI)
	@scripts/install-clients.sh

.PHONY: browser
browser: ## Install the browser the console tests drive (Debian's chromium)
	@scripts/install-browser.sh

.PHONY: build
build: install ## Type-check and compile every project (tsc -b) into dist/, and the web console into dist/console
	npx tsc -b
	$(MAKE) --no-print-directory console

.PHONY: console
console: install ## Type-check the web console and build it with Vite into dist/console (docs/console.md)
	npx tsc -p console
	npx vite build --config console/vite.config.ts

.PHONY: lint
lint: install ## Lint and check formatting (Biome), file names included
	npx biome check . --error-on-warnings

.PHONY: format
format: install ## Fix formatting and safe lint findings
	npx biome check --write .

.PHONY: run
run: build ## Run guru-api locally on 127.0.0.1:8080, the console at /console/ (data in ./data; prints an admin token on first start)
	$(LOCAL_API_ENV) node dist/api/src/main.js

.PHONY: run-engine
run-engine: build ## Run a bare guru-engine: q IPC on 127.0.0.1:5001 (login guru:guru), data in ./data/engine
	$(LOCAL_ENGINE_ENV) node dist/engine/src/main.js

.PHONY: cluster-tools
cluster-tools: ## Build (or reuse) the local Kubernetes control plane for e2e tests, into GURU_CACHE_DIR
	@test/cluster/build-tools.sh >/dev/null

##@ Manifests

.PHONY: crds
crds: install ## Generate the CRDs (crds/*.timeseries.guru.yaml) from the zod schemas (crds/src/), and the chart's copies
	npx tsx crds/src/generate.ts
	cp crds/kdbdatabases.timeseries.guru.yaml crds/kdbbackups.timeseries.guru.yaml \
	  crds/kdbscheduledbackups.timeseries.guru.yaml $(CHART_DIR)/files/crds/

.PHONY: chart-readme
chart-readme: install ## Regenerate the values table of the chart's README.md from values.yaml's comments
	npx tsx scripts/chart-readme.ts

.PHONY: helm-lint
helm-lint: cluster-tools ## helm lint the chart with its default and example values (helm from the cluster tools cache)
	@helm="$$(test/cluster/build-tools.sh --bin-dir)/helm"; \
	  "$$helm" lint $(CHART_DIR) && \
	  for f in $(CHART_DIR)/examples/*.yaml; do "$$helm" lint $(CHART_DIR) -f "$$f"; done

##@ Images

.PHONY: images
images: ## Build the guru-api, guru-operator and guru-engine images (needs a Docker engine)
	@if ! $(DOCKER) info >/dev/null 2>&1; then \
	  echo "make images: no Docker engine is reachable ('$(DOCKER) info' failed); start one or set DOCKER=podman." >&2; \
	  echo "The Dockerfiles are still checked without building by test/unit/images.test.ts." >&2; \
	  exit 1; \
	fi
	@for image in $(IMAGES); do \
	  echo "building $(IMAGE_REGISTRY)/guru-$$image:$(IMAGE_TAG)"; \
	  $(DOCKER) build -f images/$$image.Dockerfile -t $(IMAGE_REGISTRY)/guru-$$image:$(IMAGE_TAG) . || exit 1; \
	done

##@ Tests

.PHONY: test
test: lint build services browser peers clients cluster-tools ## Everything: lint, type-check, unit, integration, contract and e2e suites
	$(MOCHA) $(call spec,$(SUITES))

.PHONY: test-unit
test-unit: build ## Unit suites only
	$(MOCHA) $(call spec,test/unit)

.PHONY: test-integration
test-integration: build services browser peers clients ## Integration suites (start redis-server, dynalite, moto; InfluxDB as an oracle; collectd and the influx CLI as clients)
	$(MOCHA) $(call spec,test/integration)

.PHONY: test-e2e
test-e2e: build cluster-tools ## End-to-end suites against the local Kubernetes control plane
	$(MOCHA) $(call spec,test/e2e)

.PHONY: test-contract
test-contract: build ## The guru q API contract suite (KDB_URL=host:port to target a running server)
	$(MOCHA) $(call spec,test/contract)

##@ Benchmarks

.PHONY: bench
bench: $(addprefix bench-,$(BENCHES)) ## Run every benchmark (results in bench/results/)

bench-peers: build peers ## guru-api against InfluxDB and VictoriaMetrics, same machine and work
	npx tsx bench/peers.ts

bench-influxql: build peers ## /query latency of Grafana's dashboard queries, guru-api beside InfluxDB 1.x
	npx tsx bench/influxql.ts

.PHONY: soak
soak: build ## Chaos soak: ingest and queries while engines and the API are kill -9ed (SOAK_SECONDS, default 600)
	npx tsx bench/soak.ts

.PHONY: peers
peers: ## Install the peers bench-peers compares with (InfluxDB 1.x, VictoriaMetrics; Debian packages)
	scripts/install-peers.sh

bench-%: build ## Run one benchmark, e.g. make bench-qipc
	npx tsx bench/$*.ts

##@ Cleanup

.PHONY: clean
clean: ## Remove build outputs, benchmark results and local data
	rm -rf dist bench/results $(DATA_DIR)
