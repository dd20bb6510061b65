# KAM bot — the two commands of the quick start:
#   make run    the bot (with no Slack credentials: the local sandbox on SQLite)
#   make test   lint, types and the whole test suite on SQLite and PostgreSQL (what CI runs)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
KAM_TEST_PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: run test lint typecheck unit bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/kam-bot

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

test: lint typecheck
	KAM_TEST_DATABASE_URL=sqlite $(BIN)/python -m pytest -q
	KAM_TEST_DATABASE_URL=$(KAM_TEST_PG_URL) $(BIN)/python -m pytest -q -m "not e2e"

bench: $(STAMP)
	$(BIN)/python bench/rollup.py
	$(BIN)/python bench/slack.py
	$(BIN)/python bench/digest.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
