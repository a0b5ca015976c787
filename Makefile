# ringside: every target sets itself up (venv, pip, npm) on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.installed
JS_DIR := clients/cometchat-js
JS_STAMP := $(JS_DIR)/node_modules/.installed
EXAMPLE_DIR := examples/web-calling
EXAMPLE_BUNDLE := $(EXAMPLE_DIR)/dist/app.js
RINGSIDE_PORT ?= 8443
EXAMPLE_PORT ?= 8000

.PHONY: test example conformance bench soak fuzz flake-check lint typecheck unit clean serve wheel-check sdks sdk-conformance

$(PY_STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

$(JS_STAMP): $(JS_DIR)/package.json $(JS_DIR)/package-lock.json
	cd $(JS_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

## The example page's npm packages (the SDK, esbuild) and its bundle (not committed: about 1 MB).
$(EXAMPLE_DIR)/node_modules/.installed: $(EXAMPLE_DIR)/package.json $(EXAMPLE_DIR)/package-lock.json
	cd $(EXAMPLE_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(EXAMPLE_BUNDLE): $(EXAMPLE_DIR)/node_modules/.installed $(EXAMPLE_DIR)/src/app.js
	cd $(EXAMPLE_DIR) && npm run --silent build

## Published SDK versions make test runs besides the pinned one (tests/node/test_sdk_version_matrix.py),
## installed into the user cache as `ringside run --client cometchat-js@4.0.0` would on first use; nothing
## to do once there, so make test needs no network after set-up.
TEST_SDKS := cometchat-js@4.0.0
sdks: $(PY_STAMP) $(JS_STAMP)
	$(BIN)/python -m harness.sdk_versions install $(TEST_SDKS)

setup: $(PY_STAMP) $(JS_STAMP) sdks $(EXAMPLE_BUNDLE)

lint: $(PY_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(PY_STAMP)
	$(BIN)/mypy

## The project's own tests: lint, types, unit, integration, plugin, real SDK, browser.
test: $(PY_STAMP) $(JS_STAMP) sdks $(EXAMPLE_BUNDLE) lint typecheck
	$(BIN)/pytest -q -n 2

## The conformance suite against the bundled clients; the report lands in reports/.
conformance: $(PY_STAMP) $(JS_STAMP)
	$(BIN)/ringside run --client all --report-dir reports

## The built wheel in a fresh venv, outside the checkout: `--client python --tags must` and the full
## `--client cometchat-js --tags must` (its npm packages installed into a temp cache). make test runs all
## of it but the full JS run (about two minutes).
wheel-check: $(PY_STAMP)
	RINGSIDE_WHEEL_FULL=1 $(BIN)/pytest -q -m wheel tests/packaging

## docs/sdk-conformance.md: every published @cometchat/chat-sdk-javascript 4.x and @cometchat-pro/chat@3.0.13
## through the whole catalogue, two at a time (about 25 minutes on 2 free cores), then the page from their
## reports. The run exits 1 when a version fails a scenario; only a worse status (2 bad option, 3 install
## or start failure, 130 interrupted) stops the page from being written.
SDK_CLIENTS ?= cometchat-js@all,cometchat-pro@3.0.13
SDK_JOBS ?= 2
sdk-conformance: $(PY_STAMP) $(JS_STAMP)
	$(BIN)/ringside run --client $(SDK_CLIENTS) -j $(SDK_JOBS) --report-dir reports/sdk; \
	  status=$$?; [ $$status -le 1 ] || exit $$status
	$(BIN)/python -m harness.sdk_conformance reports/sdk -o docs/sdk-conformance.md

## Fuzzing, long (make test runs the short versions; docs/reliability.md#fuzzing): schemathesis at 1,000
## cases per operation with its coverage phase, 300 stateful runs of 60 steps, 3,000 hostile WebSocket frames,
## and every frame of the whole catalogue against docs/asyncapi.yaml.
fuzz: $(PY_STAMP)
	RINGSIDE_FUZZ_LONG=1 RINGSIDE_FUZZ_EXAMPLES=1000 RINGSIDE_FUZZ_CONTROL_EXAMPLES=1000 \
	RINGSIDE_FUZZ_PHASES=examples,coverage,fuzzing RINGSIDE_FUZZ_STATEFUL=300 RINGSIDE_FUZZ_STEPS=60 \
	RINGSIDE_FUZZ_FRAMES=3000 $(BIN)/pytest -q --timeout=3600 tests/fuzz

## Speed and memory figures, each beside a baseline measured in the same run (a bare aiohttp server of the
## same wire, asyncio's call_later, the catalogue's scripted time), a ratio and a verdict; exits 1 when a
## hard goal is missed (docs/performance.md). `make bench BENCH_ARGS="--no-js"`, `BENCH_ARGS=--quick`.
BENCH_ARGS ?=
bench: $(PY_STAMP) $(JS_STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

## Soak: `ringside serve` (default limits) under call cycles for SOAK_SECONDS (default 600); fails if RSS
## or open fds grow beyond docs/reliability.md's bounds after warm-up. `SOAK_SECONDS=3600 make soak`.
SOAK_SECONDS ?= 600
soak: $(PY_STAMP)
	$(BIN)/python -m bench.soak --seconds $(SOAK_SECONDS)

## Zero flakes, proven: the catalogue 20 times in shuffled orders against the reference client and 3 times
## against the real SDK; lists every scenario whose verdict changed (it must list none). Seeds are printed.
FLAKE_ARGS ?=
flake-check: $(PY_STAMP) $(JS_STAMP)
	$(BIN)/python -m bench.flake_check $(FLAKE_ARGS)

## The fake backend for an app (docs/app-developers.md): alice and bob, magic users, the dashboard.
serve: $(PY_STAMP)
	$(BIN)/ringside serve --port $(RINGSIDE_PORT) --users alice,bob

## The example app (examples/web-calling) on http://127.0.0.1:$(EXAMPLE_PORT), talking to `make serve`.
example: $(PY_STAMP) $(EXAMPLE_BUNDLE)
	$(BIN)/python $(EXAMPLE_DIR)/serve.py --port $(EXAMPLE_PORT) --ringside 127.0.0.1:$(RINGSIDE_PORT)

clean:
	rm -rf $(VENV) $(JS_DIR)/node_modules $(EXAMPLE_DIR)/node_modules $(EXAMPLE_DIR)/dist reports/*/ reports/latest reports/latest-matrix
