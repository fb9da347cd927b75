# Two commands for a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install lint typecheck unit migrate demo bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Create the virtualenv, migrate, load demo data and serve on http://127.0.0.1:8000
run: $(STAMP)
	$(BIN)/guanxi migrate
	$(BIN)/guanxi demo
	$(BIN)/guanxi serve

## Every check: lint, types, layer rules and all tests (SQLite and PostgreSQL)
test: $(STAMP) lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -n auto -q

migrate: $(STAMP)
	$(BIN)/guanxi migrate

demo: $(STAMP)
	$(BIN)/guanxi demo

## Benchmarks against the raw database (writes docs/benchmarks.md)
bench: $(STAMP)
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
