# Tillid: two commands for a newcomer.
#   make demo   install everything, build the demo municipality, serve on :8000
#   make test   install what the tests need and run the whole suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_EMPLOYEES ?= 3000
DEMO_SEED ?= 2026
DEMO_ENV := DJANGO_DEBUG=1 TILLID_MUNICIPALITY_NAME="Egeskov Kommune"
export DJANGO_SETTINGS_MODULE := tillid.settings

.PHONY: demo test install install-test compiled-messages chromium xmlsec1 serve lint format messages bench clean

demo: install
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEMO_ENV) $(BIN)/python manage.py demo_municipality --employees $(DEMO_EMPLOYEES) --seed $(DEMO_SEED) --keep-existing
	$(DEMO_ENV) scripts/serve-demo.sh

test: install-test
	scripts/run-tests.sh

install: $(VENV)/.runtime-installed node_modules/.installed compiled-messages xmlsec1

install-test: install $(VENV)/.dev-installed chromium

$(VENV)/.runtime-installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements-dev.txt $(VENV)/.runtime-installed
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# gettext's msgfmt compiles the catalogues; Debian's package when missing.
compiled-messages: $(VENV)/.runtime-installed
	@command -v msgfmt >/dev/null || (apt-get update -qq && apt-get install -y -qq gettext >/dev/null)
	cd src/tillid && DJANGO_DEBUG=1 ../../$(BIN)/python ../../manage.py compilemessages --verbosity 0

# Browser tests drive Debian's chromium; install it when missing.
chromium:
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null)

# SAML login (pysaml2) signs and checks XML with xmlsec1; Debian's package when missing.
xmlsec1:
	@command -v xmlsec1 >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends xmlsec1 >/dev/null)

serve: install
	$(DEMO_ENV) scripts/serve-demo.sh

lint: install-test
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	PYTHONPATH=src $(BIN)/lint-imports --no-cache
	TILLID_TESTING=1 $(BIN)/mypy

format: install-test
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

# Update the catalogues after changing user-facing text.
messages: install
	for app in core organisation governance compass trials delegation overview; do \
	  (cd src/tillid/$$app && mkdir -p locale && DJANGO_DEBUG=1 ../../../$(BIN)/python ../../../manage.py makemessages -l da -l en --no-obsolete --no-location --ignore='tests/*') || exit 1; \
	done

# The benchmarks on SQLite, then on PostgreSQL (BENCH_PG_URL; scratch databases
# are created and dropped), where the survey answers under gunicorn are measured too.
BENCH_PG_URL ?= postgres://postgres@127.0.0.1:5432/postgres
# Every benchmark runs even when one is over budget; the target fails at the end.
bench: install-test
	@status=0; \
	$(BIN)/python bench/import_organisation.py || status=1; \
	$(BIN)/python bench/governance.py || status=1; \
	$(BIN)/python bench/compass.py || status=1; \
	$(BIN)/python bench/effects.py || status=1; \
	$(BIN)/python bench/import_organisation.py --database-url $(BENCH_PG_URL) || status=1; \
	$(BIN)/python bench/governance.py --database-url $(BENCH_PG_URL) || status=1; \
	$(BIN)/python bench/compass.py --database-url $(BENCH_PG_URL) --submissions 2000 || status=1; \
	$(BIN)/python bench/load.py || status=1; \
	exit $$status

clean:
	rm -rf $(VENV) node_modules staticfiles .pytest_cache db.sqlite3
