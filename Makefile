# The README's two commands: `make run` and `make test`. Each does its own set-up.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

ASSETS := src/bandwise/web/static/vendor/VERSIONS

.PHONY: run test lint typecheck unit bench setup assets clean dist

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# NHS.UK frontend, htmx and axe-core from package-lock.json (npm ci), copied into the
# package's static folder; never committed.
$(ASSETS): package-lock.json scripts/vendor-assets
	scripts/vendor-assets

setup: $(STAMP) $(ASSETS)

assets: $(ASSETS)

## The web app on http://127.0.0.1:8000 with an embedded SQLite database and the built-in
## suite; the first run creates the first administrator and prints a one-time password.
run: $(STAMP) $(ASSETS)
	$(BIN)/bandwise serve --setup

## The whole test suite: lint, type check, tests.
test: lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports --no-cache

typecheck: $(STAMP)
	$(BIN)/mypy

# The browser tests drive Debian's chromium (installed here when missing; needs root or sudo).
unit: $(STAMP) $(ASSETS)
	scripts/browser-test-deps
	$(BIN)/pytest

## The release: an sdist and a wheel in dist/ carrying the NHS.UK frontend and htmx
## (vendored from package-lock.json) and the built-in scheme and profile data, so the
## server needs no Node. scripts/check-dist installs the wheel in a clean venv and serves it.
dist: $(STAMP) $(ASSETS)
	rm -rf dist build
	$(BIN)/python -m build --outdir dist .

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache \
		node_modules src/bandwise/web/static/vendor test-artifacts
