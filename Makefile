# ringside: every target sets itself up (venv, pip, npm) on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.installed
JS_DIR := clients/cometchat-js
JS_STAMP := $(JS_DIR)/node_modules/.installed

.PHONY: test conformance bench soak lint typecheck unit clean serve wheel-check

$(PY_STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

$(JS_STAMP): $(JS_DIR)/package.json $(JS_DIR)/package-lock.json
	cd $(JS_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

setup: $(PY_STAMP) $(JS_STAMP)

lint: $(PY_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(PY_STAMP)
	$(BIN)/mypy

## The project's own tests: lint, types, unit, integration, plugin, real SDK, browser.
test: $(PY_STAMP) $(JS_STAMP) lint typecheck
	$(BIN)/pytest -q

## The conformance suite against the bundled clients; the report lands in reports/.
conformance: $(PY_STAMP) $(JS_STAMP)
	$(BIN)/ringside run --client all --report-dir reports

## The built wheel in a fresh venv, outside the checkout: `--client python --tags must` and the full
## `--client cometchat-js --tags must` (its npm packages installed into a temp cache). make test runs all
## of it but the full JS run (about two minutes).
wheel-check: $(PY_STAMP)
	RINGSIDE_WHEEL_FULL=1 $(BIN)/pytest -q -m wheel tests/packaging

## Speed and memory figures (printed, compared with in-run baselines).
bench: $(PY_STAMP)
	$(BIN)/python -m bench

## Soak: `ringside serve` (default limits) under call cycles for SOAK_SECONDS (default 600); fails if RSS
## or open fds grow beyond docs/reliability.md's bounds after warm-up. `SOAK_SECONDS=3600 make soak`.
SOAK_SECONDS ?= 600
soak: $(PY_STAMP)
	$(BIN)/python -m bench.soak --seconds $(SOAK_SECONDS)

serve: $(PY_STAMP)
	$(BIN)/ringside serve --users alice,bob

clean:
	rm -rf $(VENV) $(JS_DIR)/node_modules reports/*/ reports/latest reports/latest-matrix
