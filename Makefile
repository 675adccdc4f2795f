# Two commands set up everything on a fresh machine:
#   make up    run the platform locally on the embedded defaults (SQLite, local processes)
#   make test  create the environment, then run ruff, mypy and the whole test suite
# uv is bootstrapped into .tools/ from PyPI with the system python3, so nothing needs installing by hand.

PYTHON ?= python3
UV_VERSION := 0.13.9
UV := .tools/bin/uv
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: up test test-fast lint typecheck format bench clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# The stamp follows pyproject/uv.lock, so editing dependencies re-syncs on the next make.
$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen
	touch $@

up: $(VENV)/.synced
	$(BIN)/academy up

lint: $(VENV)/.synced
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.synced
	$(BIN)/mypy

# Everything, slow end-to-end tests included (this is what CI runs).
test: lint typecheck
	$(BIN)/pytest -n 2 --durations=25 $(PYTEST_ARGS)

# Inner loop: skip the tests marked slow.
test-fast: lint typecheck
	$(BIN)/pytest -n 2 -m "not slow" $(PYTEST_ARGS)

format: $(VENV)/.synced
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(VENV)/.synced
	for b in benchmarks/*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .tools .pytest_cache .mypy_cache .ruff_cache
