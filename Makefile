# The two commands a new machine needs: `make run` and `make test`.
# Both set everything up first: virtual environment, packages, message
# catalogues, database and search indexes.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run serve test lint setup bytecode browser axe catalogues database index translations bench bench-search wrk drill drill-packages clean

# The periodic jobs (outbox delivery and the rest) run beside the development server, and stop with it.
run: setup
	$(BIN)/helpcenter jobs run & jobs=$$!; trap 'kill $$jobs 2>/dev/null' EXIT INT TERM; \
	FLASK_DEBUG=1 $(BIN)/helpcenter run --host $(HOST) --port $(PORT)

# Production-like: gunicorn with several workers on http://127.0.0.1:8000.
# HELPCENTER_SECRET_KEY must be set; content and index are loaded before the workers fork.
serve: setup
	$(BIN)/gunicorn --config gunicorn.conf.py

test: setup browser axe lint drill-packages
	$(BIN)/pytest

# Lint and formatting (ruff, configured in pyproject.toml); `make test` runs it first.
lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# axe-core from the npm registry, for the accessibility tests (run in the browser by Playwright).
AXE := .cache/axe/node_modules/axe-core/axe.min.js
axe: $(AXE)
$(AXE):
	@command -v npm >/dev/null 2>&1 && npm install --silent --no-audit --no-fund --prefix .cache/axe axe-core@4 \
		|| echo "npm is not installed: the accessibility tests will be skipped"

# Debian's Chromium for the browser tests (Playwright drives it; it never
# downloads a browser of its own). Installed when missing and apt can be used.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then \
			(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) ; \
		else \
			echo "chromium is not installed: the browser tests will be skipped (apt-get install chromium)"; \
		fi; }

setup: $(INSTALLED) bytecode catalogues database index

# The project's modules compiled once, so that each command starts without compiling them
# (where PYTHONDONTWRITEBYTECODE is set, imports never write them).
bytecode: $(INSTALLED)
	$(BIN)/python -m compileall -q helpcenter

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# Compiled catalogues (.mo) are built, never committed.
catalogues: $(INSTALLED)
	$(BIN)/pybabel compile -d translations -D messages

database: $(INSTALLED)
	$(BIN)/helpcenter db upgrade

# Builds the search indexes, or updates them with what changed in content/.
index: $(INSTALLED)
	$(BIN)/helpcenter index build

# For developers: extract new interface strings, merge them into every
# catalogue (new entries arrive untranslated, never fuzzy), compile.
translations: $(INSTALLED)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
		--project=helpcenter -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations -D messages \
		--no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d translations -D messages

# Pages under gunicorn (2 workers) against a minimal Flask page, loaded by wrk:
# the demo site, then the tldr corpus in ../shared/corpora as ten thousand articles.
bench: setup wrk
	$(BIN)/python -m benchmarks.site $(if $(BEFORE),--before $(BEFORE))

# wrk from Debian's packages, for `make bench`.
wrk:
	@command -v wrk >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then \
			(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null) ; \
		else \
			echo "wrk is not installed: apt-get install wrk"; exit 1; \
		fi; }

# Search against an SQLite FTS5 baseline on the tldr corpus in ../shared/corpora.
bench-search: setup
	$(BIN)/python -m benchmarks.search

# The two-site failover drill, on loopback: a PostgreSQL primary and its
# synchronous standby, a gunicorn server per site, HAProxy checking /readyz,
# an SMTP sink. A bounded load (customers, readers, an agent) runs while an
# app server is killed (-9) and restarted, the primary is lost and the standby
# promoted, and the old primary rejoins as the new one's standby. Prints a
# table, then one JSON line; fails when a target is missed.
drill: setup drill-packages
	$(BIN)/python -m drill

# Debian's PostgreSQL server and HAProxy, for `make drill` and its test:
# installed when missing and apt can be used.
drill-packages:
	@missing=""; \
	ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing="postgresql"; \
	PATH="$$PATH:/usr/sbin" command -v haproxy >/dev/null 2>&1 || missing="$$missing haproxy"; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) ; \
		else \
			echo "not installed: $$missing (apt-get install $$missing); the drill and its test cannot run"; \
		fi; \
	fi

clean:
	rm -rf $(VENV) instance .pytest_cache
