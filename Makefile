# Two commands set up a fresh machine: `make run` and `make test`.
# Everything is installed into .venv/ and node_modules/ inside the checkout.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

# Development defaults; a .env file or the environment can override them.
export DEBUG ?= true

.PHONY: install run test lint format clean

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

install: $(VENV)/.installed static/build/sscp.css

## run: set up, load the demo data, and run the web server, a Celery worker and beat
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	$(BIN)/honcho start --procfile Procfile

## test: set up and run the whole test suite
test: install
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) node_modules static/build var/static
