# Two commands for a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# make test always tests PostgreSQL too: an unreachable server fails the run, it never skips
# (set it empty, `GUANXI_TEST_POSTGRES_URL= make test`, to test SQLite alone on purpose).
export GUANXI_TEST_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/test
# Exact, hash-checked versions (ADR 0013): the venv installs only what the lock says, the
# build backend included, so the editable install downloads nothing unpinned either.
LOCK := requirements-dev.lock
# `make lock` keeps the locked versions it can; `make lock LOCK_FLAGS=--upgrade` takes the
# newest allowed, `LOCK_FLAGS='--upgrade-package fastapi'` one package.
LOCK_FLAGS ?=
PIP_COMPILE = CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--all-build-deps --no-emit-index-url --no-emit-find-links $(LOCK_FLAGS)

.PHONY: run test install lock lint typecheck unit migrate demo bench clean

$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

install: $(STAMP)

## Update the lock files from pyproject.toml, deliberately (commit them with the change)
lock: $(STAMP)
	$(PIP_COMPILE) --output-file requirements.lock pyproject.toml
	$(PIP_COMPILE) --extra dev --output-file $(LOCK) pyproject.toml

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
