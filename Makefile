# Two commands set up a fresh machine: `make run` and `make test`.
# Everything is installed into .venv/ and node_modules/ inside the checkout.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

# Development defaults; a .env file or the environment can override them.
export DEBUG ?= true
# `make run PORT=8080` serves on another port; links in emails (sent by the worker,
# which honcho gives a port of its own) follow the web server's.
PORT ?= 8000
export SITE_URL ?= http://127.0.0.1:$(PORT)

.PHONY: install run test lint format clean load benchmark

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/build/sscp.css: node_modules/.installed $(wildcard static_src/*.scss)
	npm run --silent build

# collectstatic's folder; without it WhiteNoise warns on every request (.ci/run makes var/ first).
var/static:
	mkdir -p $@

install: $(VENV)/.installed static/build/sscp.css | var/static

## run: set up, load the demo data, and run the web server, a Celery worker and beat
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	$(BIN)/honcho start --procfile Procfile --port $(PORT)

# The suite runs in one process per core (pytest-xdist), each with its own test database;
# `make test TEST_PROCESSES=0` runs it in this process alone.
TEST_PROCESSES ?= auto

## test: set up and run the whole test suite
test: install
	$(BIN)/python manage.py makemigrations --check --dry-run
	PYTHONPATH=. $(BIN)/lint-imports --no-cache
	$(BIN)/pytest --numprocesses $(TEST_PROCESSES) $(PYTEST_ARGS)

# The benchmark's own PostgreSQL database, made afresh by `make load`.
BENCH_SERVER ?= postgres://postgres@127.0.0.1:5432
BENCH_DB ?= sscp_bench
BENCH_ACTIONS ?= 100000
BENCH_URL = $(BENCH_SERVER)/$(BENCH_DB)

## load: a fresh PostgreSQL database ($(BENCH_DB)) of 100,000 generated actions, for the benchmark
load: install
	psql "$(BENCH_SERVER)/postgres" -q -c "DROP DATABASE IF EXISTS $(BENCH_DB)" -c "CREATE DATABASE $(BENCH_DB)"
	DATABASE_URL=$(BENCH_URL) $(BIN)/python manage.py migrate --noinput -v0
	DATABASE_URL=$(BENCH_URL) $(BIN)/python manage.py generate_load --actions $(BENCH_ACTIONS) --seed 1

## benchmark: time every main page against its floor on that database, and print the table
benchmark: install
	DATABASE_URL=$(BENCH_URL) $(BIN)/python manage.py benchmark

## lint: ruff, and the import contracts of docs/architecture.md (import-linter)
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	PYTHONPATH=. $(BIN)/lint-imports --no-cache

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) node_modules static/build var/static

# Two sizes side by side: fresh databases sscp_bench_100k and sscp_bench_300k, most actions
# in one partnership (--concentrated), made afresh by `make load300`.
COMPARE_SIZES ?= 100000 300000

.PHONY: load300 compare

## load300: fresh PostgreSQL databases of 100,000 and of 300,000 generated actions, for `make compare`
load300: install
	for actions in $(COMPARE_SIZES); do \
		db=sscp_bench_$$((actions / 1000))k; \
		psql "$(BENCH_SERVER)/postgres" -q -c "DROP DATABASE IF EXISTS $$db" -c "CREATE DATABASE $$db" && \
		DATABASE_URL=$(BENCH_SERVER)/$$db $(BIN)/python manage.py migrate --noinput -v0 && \
		DATABASE_URL=$(BENCH_SERVER)/$$db $(BIN)/python manage.py generate_load --actions $$actions --seed 7 --concentrated || exit 1; \
	done

## compare: time every page at both sizes (as the largest and the median-sized partnership) and print each page's growth
compare: install
	DATABASE_URL=$(BENCH_SERVER)/postgres $(BIN)/python manage.py benchmark --compare $(shell echo $(COMPARE_SIZES) | tr ' ' ',')
