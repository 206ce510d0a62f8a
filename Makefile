# Portcullis — `make help` lists the targets.
CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

.PHONY: help run build test test-services lint fmt clean bench bench-micro bench-store

help: ## Show this help
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

run: ## Build and serve with the defaults (SQLite file, embedded store, http://localhost:8080)
	$(CARGO) run --release --bin portcullis -- serve

build: ## Build the release binary
	$(CARGO) build --release --bin portcullis

test-services: ## Install and start what the tests need (redis-server, PostgreSQL) when missing
	./scripts/test-services.sh

test: test-services ## Run every test (unit, integration against SQLite, PostgreSQL and redis-server)
	CARGO=$(CARGO) ./scripts/run-tests.sh

bench: ## Load-test Portcullis (embedded store, Redis) and node-oidc-provider side by side (docs/performance.md)
	CARGO=$(CARGO) ./scripts/bench.sh

bench-micro: ## Criterion micro-benchmarks: ID-token signing, TOTP, argon2id, acr resolution, policy
	$(CARGO) bench --bench crypto --bench decisions

bench-store: ## Resident memory of the server under a flood of anonymous authorization requests (docs/performance.md)
	$(CARGO) build --release --bin portcullis --example store_flood
	$(CARGO) run --release --example store_flood -- --requests 300000
	$(CARGO) run --release --example store_flood -- --requests 300000 --max-entries 100000
	$(CARGO) run --release --example store_flood -- --requests 300000 --max-bytes 67108864

lint: ## rustfmt check and clippy with warnings as errors
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

fmt: ## Format the code
	$(CARGO) fmt --all

clean: ## Remove build output
	$(CARGO) clean
