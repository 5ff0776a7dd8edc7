# Ghia: `make run` serves the site, `make test` runs every test. Both set everything up first.
# Safe with -j: every step waits for what it needs.
SHELL := /bin/bash
PORT ?= 5000
MAIL_PORT ?= 1025
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
PYTHON ?= python3
# Python packages come from the lock files; `make lock` compiles them from pyproject.toml.
LOCK := requirements.lock
DEV_LOCK := requirements-dev.lock
UV_COMPILE := $(VENV)/bin/uv pip compile --quiet --universal --python-version 3.11 \
	--generate-hashes --custom-compile-command "make lock" $(if $(UPGRADE),--upgrade)
# Without DATABASE_URL the project runs its own PostGIS cluster (`scripts/pg.sh where`).
LOCAL_DB := $(if $(DATABASE_URL),,yes)
SOURCES := core accounts news petitions budgeting smartmap templates
CATALOGS := translations/ka/LC_MESSAGES/messages.po translations/en/LC_MESSAGES/messages.po

.PHONY: run test lint translations bench system db db-stop setup-run setup-test compile-translations \
	lock clean

run: setup-run db
	$(FLASK) db upgrade
	$(FLASK) demo load
	PORT=$(PORT) MAIL_PORT=$(MAIL_PORT) $(FLASK) dev run

test: setup-test db
	$(PY) -m pytest $(PYTEST_ARGS)

lint: setup-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

translations: setup-test
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k N_ --no-location --sort-output \
		--project=Ghia -o translations/messages.pot $(SOURCES)
	$(VENV)/bin/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching \
		--ignore-obsolete
	$(MAKE) compile-translations
	$(PY) scripts/check_catalog.py translations/ka/LC_MESSAGES/messages.po

bench: setup-test db
	$(PY) -m bench $(if $(ONLY),--only $(ONLY))

system:
	scripts/system-deps.sh $(if $(filter test,$(MAKECMDGOALS)),browser) \
		$(if $(filter bench,$(MAKECMDGOALS)),bench)

db: system
	$(if $(LOCAL_DB),scripts/pg.sh start ghia ghia_test)

db-stop:
	scripts/pg.sh stop

setup-run: system $(VENV)/.run static/vendor/.done compile-translations
setup-test: system $(VENV)/.dev static/vendor/.done compile-translations

$(VENV)/bin/pip: | system
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip

$(VENV)/.run: $(LOCK) pyproject.toml | $(VENV)/bin/pip
	$(VENV)/bin/pip install -q -r $(LOCK)
	$(VENV)/bin/pip install -q --no-deps -e .
	touch $@

$(VENV)/.dev: $(DEV_LOCK) $(VENV)/.run
	$(VENV)/bin/pip install -q -r $(DEV_LOCK)
	touch $@

# After a change to the dependencies in pyproject.toml; `make lock UPGRADE=1` also takes the
# newest releases. The runtime lock is constrained by the dev lock, so both pin the same versions.
lock: $(VENV)/.dev
	$(UV_COMPILE) --extra dev -o $(DEV_LOCK) pyproject.toml
	$(UV_COMPILE) --constraint $(DEV_LOCK) -o $(LOCK) pyproject.toml

node_modules/.done: package.json package-lock.json | system
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/vendor/.done: node_modules/.done scripts/vendor.sh
	scripts/vendor.sh
	touch $@

compile-translations: $(CATALOGS:.po=.mo)

translations/%.mo: translations/%.po | $(VENV)/.run
	$(VENV)/bin/pybabel compile -i $< -o $@ --statistics 2>&1 | tail -n1

clean:
	rm -rf $(VENV) node_modules static/vendor
