# SLA Ledger. `make run` and `make test` are the only commands a fresh clone needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed-stamp
CONTRACT := tools/contract
# npm ci writes this file; it is newer than the lockfile while node_modules matches it.
NODE_TOOLS := $(CONTRACT)/node_modules/.package-lock.json

.DEFAULT_GOAL := help
.PHONY: help install run migrate test lint format openapi client contract baseline bench screenshot

help: ## List the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

install: $(STAMP) ## Create .venv and install the project with its dev extras (and, with apt-get, Pango for PDFs and wrk for the HTTP benchmark)
	@tools/system-packages pdf wrk

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: install ## Migrate, then serve the API on http://127.0.0.1:$(PORT) (SQLite file)
	PORT=$(PORT) $(BIN)/python -m app.serve

migrate: install ## Bring the database (SLA_DATABASE_URL) to the newest schema, once
	$(BIN)/python -m app.serve migrate

test: install ## Run every test (set SLA_TEST_DATABASE_URL to add a PostgreSQL run)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install client ## ruff and mypy (mypy checks tools/client_tour.py against the generated client)
	$(BIN)/ruff check app tests bench tools
	$(BIN)/ruff format --check app tests bench tools
	$(BIN)/mypy app tests bench tools

format: install ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix app tests bench tools
	$(BIN)/ruff format app tests bench tools

openapi: install ## Regenerate openapi/openapi.json from the app
	$(BIN)/python -m app.openapi_export openapi/openapi.json

client: install ## Generate the Python client of openapi/openapi.json into clients/python
	$(BIN)/python -m tools.python_client clients/python

$(NODE_TOOLS): $(CONTRACT)/package-lock.json
	@tools/system-packages node
	cd $(CONTRACT) && npm ci --ignore-scripts --no-audit --no-fund

contract: install $(NODE_TOOLS) ## Spectral's lint, the TypeScript types under tsc --strict, breaking changes
	cd $(CONTRACT) && npm run --silent lint
	cd $(CONTRACT) && npm run --silent types && npm run --silent typecheck
	$(BIN)/python -m tools.breaking

baseline: ## Accept today's spec as the baseline of the breaking-change check (commit it, with why)
	cp openapi/openapi.json openapi/baseline.json
	@echo "openapi/baseline.json moved: commit it with the change and the reason it may break clients"

bench: install ## Benchmark the core against NumPy, CSV imports against raw sqlite3, the portfolio against a raw read, and the report over HTTP against /healthz (add PostgreSQL with SLA_BENCH_DATABASE_URL)
	$(BIN)/python -m bench.availability
	$(BIN)/python -m bench.imports
	$(BIN)/python -m bench.portfolio
	$(BIN)/python -m bench.http

screenshot: install ## Write a PNG of a sample report page (docs/report-sample.png) with headless Chromium
	@tools/system-packages browser
	$(BIN)/python -m tools.screenshot $(or $(OUT),docs/report-sample.png)
