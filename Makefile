# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
HOST ?= 127.0.0.1
PORT ?= 3978
export HOST PORT

.PHONY: run test lint layers typecheck pytest bench setup clean cards

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

# The bot, and beside it the Microsoft 365 Agents Playground (a local Teams client, npm) on
# http://localhost:56150 (PLAYGROUND_PORT) when Node.js is there. Ctrl-C stops both.
run: $(STAMP)
	mkdir -p var
	@if command -v npm >/dev/null 2>&1; then \
	  $(MAKE) --no-print-directory $(NODE_STAMP) || \
	    echo "playground: npm ci failed; the bot runs without the Playground" >&2; \
	else echo "playground: npm not found; the bot runs without the Playground" >&2; fi
	$(PY) -m bot db upgrade
	$(PY) -m bot demo load
	$(PY) deploy/playground/run.py

# End-to-end in a real browser: the bot and the Playground on loopback, driven through Debian's
# chromium by Playwright (never `playwright install`). Not part of `make test`. Screenshots and
# logs: artifacts/e2e/. CHROMIUM=/path/to/chromium to use another build.
.PHONY: e2e
e2e: $(STAMP) $(NODE_STAMP)
	RAPID_REVIEW_E2E=1 $(PY) -m pytest tests/e2e -p no:cacheprovider $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .

# The rooms' import rules (pyproject.toml, [tool.importlinter]): a crossed layer fails here.
layers: $(STAMP)
	$(VENV)/bin/lint-imports --no-cache

typecheck: $(STAMP)
	$(VENV)/bin/mypy

pytest: $(STAMP) $(NODE_STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

test: lint layers typecheck pytest

cards: $(STAMP)
	$(PY) -m bot cards export artifacts/cards

# The Teams app package, artifacts/rapid-review-teams.zip: the bot id from $MicrosoftAppId,
# or the fixed fictional demo id when MicrosoftAppId is unset or empty.
.PHONY: package
package: $(STAMP) $(NODE_STAMP)
	$(PY) deploy/teams/build_package.py $(if $(MicrosoftAppId),,--demo)

clean:
	rm -rf $(VENV) node_modules var .pytest_cache .mypy_cache .ruff_cache .import_linter_cache

# The load generator is wrk, from Debian's packages (installed here when missing).
bench: $(STAMP)
	@command -v wrk >/dev/null 2>&1 || { echo "bench: installing wrk from Debian's packages"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	$(PY) -m bench
