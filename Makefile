# The project's commands. `make run` and `make test` install whatever is missing first.
SHELL := /bin/bash
.DEFAULT_GOAL := help
ROOT := $(CURDIR)
UV := $(ROOT)/.tools/bin/uv
export UV_PYTHON_DOWNLOADS := never
BACKEND_RUN := cd backend && $(UV) run --frozen --no-sync

.PHONY: help setup run run-backend test test-backend test-postgres test-frontend lint format \
        requirements container-test bench test-reliability soak clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

setup: ## install every dependency that is missing (uv, backend venv, frontend node_modules)
	@scripts/bootstrap.sh all

run: ## serve the whole app on the embedded defaults (SQLite, console email, in-memory limits)
	@scripts/run.sh

run-backend: ## serve only the API on 127.0.0.1:8000
	@scripts/bootstrap.sh backend
	@$(BACKEND_RUN) todo-api migrate
	@$(BACKEND_RUN) todo-api serve

test: ## run every test suite (PostgreSQL/Redis tests skip unless TEST_DATABASE_URL/TEST_REDIS_URL are set)
	@scripts/bootstrap.sh all
	@$(MAKE) --no-print-directory lint
	@$(MAKE) --no-print-directory test-backend
	@$(MAKE) --no-print-directory test-frontend

test-backend: ## backend pytest suite (SQLite; PostgreSQL too when TEST_DATABASE_URL is set)
	@scripts/bootstrap.sh backend
	@scripts/pytest.sh

test-postgres: ## backend suite against the local PostgreSQL and Redis
	@scripts/bootstrap.sh backend
	@TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql+asyncpg://postgres@127.0.0.1:5432/test} \
	 TEST_REDIS_URL=$${TEST_REDIS_URL:-redis://127.0.0.1:6379/15} scripts/pytest.sh

test-frontend: ## frontend type check, lint, Jest and Playwright suites
	@if [[ -x scripts/test-frontend.sh ]]; then scripts/test-frontend.sh; else echo "no frontend yet"; fi

lint: ## ruff + mypy --strict on the backend (and tsc + eslint on the frontend when present)
	@scripts/bootstrap.sh backend
	@$(BACKEND_RUN) ruff check app tests migrations
	@$(BACKEND_RUN) ruff format --check app tests migrations
	@$(BACKEND_RUN) mypy app

format: ## apply ruff's formatting and safe fixes
	@$(BACKEND_RUN) ruff check --fix app tests migrations
	@$(BACKEND_RUN) ruff format app tests migrations

requirements: ## re-export backend/requirements.txt from uv.lock
	@cd backend && $(UV) export --frozen --no-dev --no-hashes --no-emit-project -o requirements.txt --quiet

container-test: ## build the backend image and prove it by running it (docker, or podman installed on demand)
	@scripts/bootstrap.sh backend
	@scripts/container/container-test.sh

test-reliability: ## fuzzing (schemathesis), fault injection, two replicas; PG/Redis parts need TEST_DATABASE_URL/TEST_REDIS_URL
	@scripts/bootstrap.sh backend
	@cd backend && $(UV) run --frozen --no-sync ruff check ../reliability ../bench
	@scripts/pytest.sh -c ../reliability/pytest.ini --rootdir ../reliability ../reliability

bench: ## benchmarks into docs/benchmarks/ (SQLite, and PostgreSQL at BENCH_DATABASE_URL); ~15 min, not in CI
	@scripts/bootstrap.sh backend
	@cd backend && BENCH_DATABASE_URL=$${BENCH_DATABASE_URL:-postgresql+asyncpg://postgres@127.0.0.1:5432/test} \
	 $(UV) run --frozen --no-sync python ../bench/run.py $(BENCH_ARGS)

soak: ## the mixed workload for 10 minutes: error rate, latency drift, memory growth (not in CI)
	@scripts/bootstrap.sh backend
	@cd backend && BENCH_DATABASE_URL=$${BENCH_DATABASE_URL:-postgresql+asyncpg://postgres@127.0.0.1:5432/test} \
	 $(UV) run --frozen --no-sync python ../bench/run.py --soak $${SOAK_SECONDS:-600}

clean: ## remove local state (SQLite files, caches); keeps installed dependencies
	rm -rf backend/var backend/.pytest_cache backend/.mypy_cache backend/.ruff_cache
