# Portcullis — `make help` lists the targets.
CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

.PHONY: help run build docker test test-services soak fuzz lint fmt clean bench bench-micro bench-store

help: ## Show this help
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

run: ## Build and serve with the defaults (SQLite file, embedded store, http://localhost:8080)
	$(CARGO) run --release --bin portcullis -- serve

build: ## Build the release binary
	$(CARGO) build --release --bin portcullis

docker: ## Build the container image portcullis:latest (Dockerfile: distroless, non-root)
	docker build -t portcullis:latest .

test-services: ## Install and start what the tests need (redis-server, PostgreSQL, Chromium, npm oidc-provider and axe-core …) when missing
	./scripts/test-services.sh

FUZZ_SHORT_SECONDS ?= 0
test: test-services ## Run every test (unit, integration against SQLite, PostgreSQL and redis-server, the fuzz checks over corpus and mutations); FUZZ_SHORT_SECONDS=N adds N s of libFuzzer per target
	CARGO=$(CARGO) FUZZ_SHORT_SECONDS=$(FUZZ_SHORT_SECONDS) ./scripts/run-tests.sh

SOAK_SECONDS ?= 600
SOAK_USERS ?= 24
SOAK_REPORT ?= $(CURDIR)/soak-figures.json
soak: test-services ## Two instances, one Redis, one PostgreSQL under faults for SOAK_SECONDS (default 600); figures in SOAK_REPORT
	PORTCULLIS_SOAK_SECONDS=$(SOAK_SECONDS) PORTCULLIS_SOAK_USERS=$(SOAK_USERS) PORTCULLIS_SOAK_REPORT=$(SOAK_REPORT) \
	  $(CARGO) test --test it two_instances_keep_every_flow_correct -- --nocapture

FUZZ_SECONDS ?= 600
fuzz: ## Fuzz every parser target under libFuzzer for FUZZ_SECONDS each (default 600; cargo-fuzz is installed when missing)
	CARGO=$(CARGO) FUZZ_SECONDS=$(FUZZ_SECONDS) ./scripts/fuzz.sh

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
