# SLA Ledger. `make run` and `make test` are the only commands a fresh clone needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed-stamp

.DEFAULT_GOAL := help
.PHONY: help install run migrate test lint format openapi bench screenshot

help: ## List the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

install: $(STAMP) ## Create .venv and install the project with its dev extras (and, with apt-get, Pango for PDFs)
	@tools/system-packages pdf

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

lint: install ## ruff and mypy
	$(BIN)/ruff check app tests bench tools
	$(BIN)/ruff format --check app tests bench tools
	$(BIN)/mypy app tests bench tools

format: install ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix app tests bench tools
	$(BIN)/ruff format app tests bench tools

openapi: install ## Regenerate openapi/openapi.json from the app
	$(BIN)/python -m app.openapi_export openapi/openapi.json

bench: install ## Benchmark the core against NumPy; CSV imports and the portfolio against raw sqlite3
	$(BIN)/python -m bench.availability
	$(BIN)/python -m bench.imports
	$(BIN)/python -m bench.portfolio

screenshot: install ## Write a PNG of a sample report page (docs/report-sample.png) with headless Chromium
	@tools/system-packages browser
	$(BIN)/python -m tools.screenshot $(or $(OUT),docs/report-sample.png)
