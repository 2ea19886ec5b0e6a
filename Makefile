# Time Series Guru: every task a developer or CI runs. `make help` lists them.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# Tool caches live outside the repository and are reused across clones.
export GURU_CACHE_DIR ?= $(HOME)/.cache/time-series-guru
export MOTO_VERSION ?= 5.2.5
export MOTO_VENV ?= $(GURU_CACHE_DIR)/moto-$(MOTO_VERSION)

MOCHA := npx mocha
# Each suite folder that exists; `make test` runs them all in one mocha run, so one closing line
# counts every test.
SUITES := $(wildcard test/unit test/integration test/contract test/e2e)
spec = $(foreach suite,$(1),'$(suite)/**/*.test.ts')
DATA_DIR ?= ./data
ENGINE_PORT ?= 5001
BENCHES := $(basename $(notdir $(wildcard bench/*.ts)))

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

.PHONY: build
build: install ## Type-check and compile every project (tsc -b) into dist/
	npx tsc -b

.PHONY: lint
lint: install ## Lint and check formatting (Biome), file names included
	npx biome check . --error-on-warnings

.PHONY: format
format: install ## Fix formatting and safe lint findings
	npx biome check --write .

.PHONY: run
run: build ## Run guru-engine locally: data in ./data, q IPC on port 5001
	node dist/engine/src/main.js

##@ Tests

.PHONY: test
test: lint build services ## Everything: lint, type-check, unit, integration, contract and e2e suites
	$(MOCHA) $(call spec,$(SUITES))

.PHONY: test-unit
test-unit: build ## Unit suites only
	$(MOCHA) $(call spec,test/unit)

.PHONY: test-integration
test-integration: build services ## Integration suites (start redis-server, dynalite, moto)
	$(MOCHA) $(call spec,test/integration)

.PHONY: test-contract
test-contract: build ## The guru q API contract suite (KDB_URL=host:port to target a running server)
	$(MOCHA) $(call spec,test/contract)

##@ Benchmarks

.PHONY: bench
bench: $(addprefix bench-,$(BENCHES)) ## Run every benchmark (results in bench/results/)

bench-%: build ## Run one benchmark, e.g. make bench-qipc
	npx tsx bench/$*.ts

##@ Cleanup

.PHONY: clean
clean: ## Remove build outputs, benchmark results and local data
	rm -rf dist bench/results $(DATA_DIR)
