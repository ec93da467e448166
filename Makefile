# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
HOST ?= 127.0.0.1
PORT ?= 3978
export HOST PORT

.PHONY: run test lint typecheck pytest bench setup clean cards

setup: $(STAMP) $(NODE_STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The official Adaptive Cards renderer (JavaScript), used by the tests to check every card.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

run: $(STAMP)
	mkdir -p var
	$(PY) -m bot db upgrade
	$(PY) -m bot demo load
	$(PY) -m bot run

lint: $(STAMP)
	$(VENV)/bin/ruff check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

pytest: $(STAMP) $(NODE_STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

test: lint typecheck pytest

cards: $(STAMP)
	$(PY) -m bot cards export artifacts/cards

clean:
	rm -rf $(VENV) node_modules var .pytest_cache .mypy_cache .ruff_cache

bench: $(STAMP)
	$(PY) -m bench
