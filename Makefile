# Midwest digital-region tracker. `make run` serves the demo, `make test` tests it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The `midwest` command (app/command.py) as the checkout runs it: the app's flask
# commands, from the package in this folder (installed: /opt/midwest/bin/midwest).
MIDWEST := $(BIN)/python -m app
STAMP := $(VENV)/.installed
CATALOGS := $(wildcard translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run serve test test-pg screenshots bench lint fmt install i18n i18n-extract i18n-update i18n-compile vendor migrate db-upgrade seed lock lock-prod wheel ci-production clean

install: $(STAMP) $(COMPILED)

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	touch $@

# The compiled catalogs are committed (every way of starting the app needs them);
# this rebuilds one after its .po changed.
translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile -d translations -l $*

# Secrets: 0600 in a 0700 folder whatever the umask (umask 077 for the write).
instance/secret_key:
	mkdir -p -m 0700 instance
	umask 077; $(BIN)/python -c "import secrets; print(secrets.token_hex(32))" > $@

instance/demo_password:
	mkdir -p -m 0700 instance
	umask 077; $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(12))" > $@

# Local serving over plain HTTP, so the session cookie may not require HTTPS.
RUN_ENV = SECRET_KEY="$$(cat instance/secret_key)" SESSION_COOKIE_SECURE=0 \
	DEMO_PASSWORD="$${DEMO_PASSWORD:-$$(cat instance/demo_password)}"

db-upgrade: install instance/secret_key
	$(RUN_ENV) $(MIDWEST) db upgrade

seed: db-upgrade instance/demo_password
	$(RUN_ENV) $(MIDWEST) seed-demo

run: seed
	@echo "Demo password: $${DEMO_PASSWORD:-$$(cat instance/demo_password)}  (see README for the logins)"
	$(RUN_ENV) $(MIDWEST) run --host $(HOST) --port $(PORT)

# Production-style serving with gunicorn against the configured DATABASE_URL
# (SECRET_KEY must be set), with the settings of app/gunicorn_conf.py.
serve: install
	$(MIDWEST) db upgrade
	$(BIN)/gunicorn -c gunicorn.conf.py

# Browser tests (marked e2e) run when Debian's Chromium is there; without it the
# rest runs and a line says so, unless E2E_REQUIRED=1 (CI), which makes it fail.
CHROMIUM ?= /usr/bin/chromium
export CHROMIUM
PYTEST = $(BIN)/pytest -n 2 --dist worksteal -q
define run_suite
	@if [ -x "$(CHROMIUM)" ]; then \
	  $(1) $(PYTEST) $(PYTEST_ARGS); \
	elif [ "$$E2E_REQUIRED" = "1" ]; then \
	  echo "E2E_REQUIRED=1 but Chromium is missing at $(CHROMIUM) (apt-get install chromium)" >&2; exit 1; \
	else \
	  echo "== Chromium not found at $(CHROMIUM): the browser tests (e2e) are left out; apt-get install chromium to run them"; \
	  $(1) $(PYTEST) -m "not e2e" $(PYTEST_ARGS); \
	fi
endef

test: install
	$(call run_suite,)

# The same suite on a throwaway PostgreSQL cluster (needs Debian's postgresql).
PG_PORT ?= 55432
test-pg: install
	@url=$$(scripts/pg-throwaway start $(PG_PORT)) && \
	  TEST_DATABASE_URL=$$url $(MAKE) --no-print-directory test; \
	  status=$$?; scripts/pg-throwaway stop $(PG_PORT); exit $$status

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Screenshots of the main pages of the demo data, with the same browser.
screenshots: install
	$(BIN)/python -m tests.e2e.screenshots

# Benchmarks (not part of `make test`): pages at Midwest and Flanders scale on
# SQLite and a throwaway PostgreSQL, load under gunicorn with wrk, Excel export and
# import; writes bench/results.md. Needs Debian's postgresql and wrk.
bench: install
	command -v wrk >/dev/null || (apt-get update -q && apt-get install -y -q wrk)
	$(BIN)/python -m bench --postgres auto $(BENCH_ARGS)

# Translations: extract the strings, merge them into the catalogs, compile.
i18n-extract: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output -o translations/messages.pot .

i18n-update: i18n-extract
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete

i18n-compile: $(STAMP)
	$(BIN)/pybabel compile -d translations

i18n: i18n-update i18n-compile

# Front-end files: pinned in package.json, copied into static/vendor (committed).
vendor:
	npm install --no-audit --no-fund
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx.min.js
	cp node_modules/@picocss/pico/css/pico.min.css static/vendor/pico.min.css
	mkdir -p tests/e2e/vendor
	cp node_modules/axe-core/axe.min.js tests/e2e/vendor/axe.min.js

migrate: install
	$(MIDWEST) db migrate -m "$(m)"

# requirements.lock: everything of the development venv (tests, tools), pinned.
lock:
	$(BIN)/python -m pip freeze --exclude-editable > requirements.lock

# requirements-prod.lock: the runtime dependencies of pyproject.toml only, at the
# versions of requirements.lock, with hashes (production installs with
# `pip install --require-hashes -r requirements-prod.lock`). After `make lock`.
lock-prod: $(STAMP)
	$(BIN)/pip-compile --quiet --generate-hashes --strip-extras --no-emit-index-url \
	  --no-emit-find-links --constraint requirements.lock \
	  --output-file requirements-prod.lock pyproject.toml

# The wheel an admin installs (templates, static files, catalogs and migrations
# inside the package), built from the source distribution, in dist/.
wheel: $(STAMP)
	$(BIN)/python -m build --outdir dist .

# The README's production procedure on this machine (root, Debian: PostgreSQL,
# nginx, systemd-analyze): the wheel in a fresh virtualenv behind nginx (CI).
ci-production:
	scripts/ci-production

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build dist *.egg-info
