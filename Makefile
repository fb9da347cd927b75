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

.PHONY: run test install lock lint typecheck unit migrate demo bench clean web web-lint web-unit e2e

# The web app (web/): installed from its lock file, built into the Python package when the
# build is missing or older than its sources. Built files are never committed.
WEB_STAMP := web/node_modules/.installed
WEB_BUILD := src/guanxi/web/dist/index.html
WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/vite.config.ts \
	web/tsconfig.json web/scripts/compress.mjs
CHROMIUM ?= /usr/bin/chromium
# The quote PDF's Chinese fonts: downloaded (hash-checked) and subset once, never committed.
FONTS := src/guanxi/modules/sales/fonts/NotoSansSC-Regular.ttf

$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

$(FONTS): | $(STAMP)
	$(BIN)/python -m guanxi.modules.sales.fonts

install: $(STAMP) $(FONTS)

$(WEB_STAMP): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	touch $(WEB_STAMP)

$(WEB_BUILD): $(WEB_STAMP) $(WEB_SOURCES)
	cd web && npm run --silent build

## Build the web app (make run does it when needed)
web: $(WEB_BUILD)

## Update the lock files from pyproject.toml, deliberately (commit them with the change)
lock: $(STAMP)
	$(PIP_COMPILE) --output-file requirements.lock pyproject.toml
	$(PIP_COMPILE) --extra dev --output-file $(LOCK) pyproject.toml

## Create the virtualenv, migrate, load demo data and serve on http://127.0.0.1:8000
run: $(STAMP) $(FONTS) $(WEB_BUILD)
	$(BIN)/guanxi migrate
	$(BIN)/guanxi demo
	$(BIN)/guanxi serve

## Every check: lint, types, layer rules and all tests (SQLite and PostgreSQL), then the
## web app's lint, types, component tests and the end-to-end suite in Chromium
test: $(STAMP) lint typecheck unit web-lint web-unit e2e

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP) $(FONTS)
	$(BIN)/pytest -n auto -q

web-lint: $(WEB_STAMP)
	cd web && npx tsc --noEmit -p tsconfig.json && npx eslint . --max-warnings 0

web-unit: $(WEB_STAMP)
	cd web && npx vitest run

# Debian's chromium (.ci/run installs it when missing); a real server with the demo data.
e2e: $(STAMP) $(FONTS) $(WEB_BUILD)
	@test -x $(CHROMIUM) || { echo "e2e needs Chromium at $(CHROMIUM): apt-get install chromium fonts-noto-cjk (.ci/run does)" >&2; exit 1; }
	cd web && CHROMIUM_PATH=$(CHROMIUM) npx vitest run --config vitest.e2e.config.ts

migrate: $(STAMP)
	$(BIN)/guanxi migrate

demo: $(STAMP)
	$(BIN)/guanxi demo

## Benchmarks against the raw database (writes docs/benchmarks.md)
bench: $(STAMP)
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache web/node_modules src/guanxi/web/dist \
		src/guanxi/modules/sales/fonts/*.ttf
