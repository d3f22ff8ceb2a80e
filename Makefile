# EVN CSKH — the two commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PYTHONPATH := $(CURDIR)/src
PG_TEST_URL ?= $(DATABASE_URL)

.PHONY: run test lint messages catalogs chromium clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.testing: pyproject.toml $(VENV)/.runtime
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# Compile the gettext catalogs (pure Python: no GNU gettext needed to run).
catalogs: $(VENV)/.runtime
	$(BIN)/python -m cskh.core.catalogs

# Re-extract messages after changing strings (needs GNU gettext's xgettext).
messages: $(VENV)/.runtime
	cd src/cskh && ../../$(BIN)/python ../../manage.py makemessages -l vi -l en --no-obsolete \
		--ignore 'static/*'

run: catalogs
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py createcachetable
	$(BIN)/python manage.py collectstatic --no-input --verbosity 0
	$(BIN)/python manage.py load_demo
	PORT=$(PORT) $(BIN)/python manage.py serve

chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else echo "Install Debian's chromium (sudo apt-get install chromium) for the browser tests" >&2; exit 1; fi; \
	fi

lint: $(VENV)/.testing
	$(BIN)/ruff check src tests scripts
	$(BIN)/ruff format --check src tests scripts
	$(BIN)/lint-imports

test: $(VENV)/.testing chromium catalogs lint
	$(BIN)/python manage.py collectstatic --no-input --verbosity 0
	@if [ -n "$(PG_TEST_URL)" ]; then \
		echo "== tests on PostgreSQL ($(PG_TEST_URL))"; \
		DATABASE_URL="$(PG_TEST_URL)" $(BIN)/pytest --ds=tests.settings -n 2 -q || exit $$?; \
	fi
	@echo "== tests on SQLite"
	DATABASE_URL= REDIS_URL= $(BIN)/pytest --ds=tests.settings -n 2 -q

clean:
	rm -rf $(VENV) var/static
