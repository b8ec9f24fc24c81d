# The two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
CSS := static/dist/site.css

.PHONY: run install assets migrate seed serve test lint test-suite bench-pages bench-booking bench-pdf bench-portfolio bench-certificates lock clean

run: seed ## set everything up, load the demo content and serve on http://127.0.0.1:8000
	@# A task worker (emails, PDFs, reminders) runs beside the web server and stops with it,
	@# and the housekeeping that cron runs in production (lapsed holds, reminders) every 5 min.
	@trap 'kill $$worker $$chores 2>/dev/null' EXIT INT TERM; \
	$(MANAGE) db_worker --queue-name default & worker=$$!; \
	(while sleep 300; do $(MANAGE) bookings_housekeeping >/dev/null; done) & chores=$$!; \
	$(MANAGE) runserver 127.0.0.1:8000

$(PY_STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(CSS): $(NODE_STAMP) $(wildcard static/scss/*.scss)
	npm run --silent build

assets: $(CSS)

install: $(PY_STAMP) assets

migrate: install
	mkdir -p var
	$(MANAGE) migrate --noinput

seed: migrate
	$(MANAGE) seed_demo

test: lint test-suite ## ruff, migrations check, and the whole suite on SQLite and PostgreSQL

lint: install
	mkdir -p var
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_SETTINGS_MODULE=website.settings.test $(MANAGE) makemigrations --check --dry-run

test-suite: install
	$(BIN)/python tests/run_suite.py

bench-pages: install ## requests per second of the main pages against a minimal view
	$(BIN)/python bench/pages.py

bench-booking: install ## 200 bookers for 20 places, half by card with holds lapsing: correctness, and p95 against a page GET
	$(BIN)/python bench/booking_rush.py

bench-pdf: install ## time to draw an invoice PDF against a one-line WeasyPrint document
	$(BIN)/python bench/pdf.py

bench-portfolio: install ## time to export a 30-session portfolio PDF against a one-line WeasyPrint document
	$(BIN)/python bench/portfolio.py

bench-certificates: install ## issue a cohort's 30 certificates: a certificate PDF against a one-line WeasyPrint document, the bulk-issue request against a page GET
	$(BIN)/python bench/certificates.py

lock: ## re-pin every Python package after changing pyproject.toml
	rm -rf /tmp/coaching-lock && $(PYTHON) -m venv /tmp/coaching-lock
	/tmp/coaching-lock/bin/pip install --quiet -e '.[dev]'
	(echo "# Pinned versions of every Python package, from 'make lock'. Installs use it as constraints."; \
	 /tmp/coaching-lock/bin/pip freeze --exclude-editable | grep -v '^coaching-portal') > constraints.txt

clean:
	rm -rf $(VENV) node_modules static/dist var
