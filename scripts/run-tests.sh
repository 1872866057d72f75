#!/usr/bin/env bash
# The whole suite: lint and format, the import layers, the type check,
# migrations check, then pytest on SQLite and on PostgreSQL. In CI (CI=true)
# a missing PostgreSQL is a failure, not a skip.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export TILLID_TESTING=1
export DJANGO_SETTINGS_MODULE=tillid.settings
PG_URL=${TILLID_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/tillid}
WORKERS=${TILLID_TEST_WORKERS:-2}

echo "== ruff"
$BIN/ruff check src tests bench
$BIN/ruff format --check src tests bench
echo "== import layers (apps -> organisation -> core, no sibling imports, no cycles)"
PYTHONPATH=src $BIN/lint-imports --no-cache
echo "== types of services and selectors"
$BIN/mypy
echo "== migrations are up to date"
DATABASE_URL=sqlite:///:memory: $BIN/python manage.py makemigrations --check --dry-run >/dev/null

status=0
# The crawl of every page as every role (tests/browser/test_every_page.py)
# checks templates, links, permissions and accessibility, none of which
# depends on the database; it is the slowest file, so it runs once, on
# PostgreSQL (or on SQLite when PostgreSQL is absent outside CI). Set
# TILLID_TEST_CRAWL_BOTH=1 to run the browser tests on both.
# One test per role (test_every_page[<role>]); --dist worksteal lets an idle
# worker take the roles still queued for a busy one, so a slow role holds
# only its own worker.
pg_up=false
if $BIN/python -c "import psycopg,sys; psycopg.connect('${PG_URL%/*}/postgres', connect_timeout=3).close()" 2>/dev/null; then
  pg_up=true
fi
# The browser tests (tests/browser) drive pages, not SQL: with PostgreSQL up
# they run once, on PostgreSQL, and the rest of the suite runs on both.
sqlite_args=()
if $pg_up && [ "${TILLID_TEST_CRAWL_BOTH:-}" != "1" ] && [ $# -eq 0 ]; then
  sqlite_args=(--ignore=tests/browser)
fi
echo "== pytest on SQLite"
DATABASE_URL="sqlite:///$(pwd)/var-test.sqlite3" $BIN/pytest -n "$WORKERS" --dist worksteal -q "${sqlite_args[@]}" "$@" || status=$?

if $pg_up; then
  echo "== pytest on PostgreSQL"
  DATABASE_URL="$PG_URL" $BIN/pytest -n "$WORKERS" --dist worksteal -q "$@" || status=$?
elif [ "${CI:-}" = "true" ]; then
  echo "FEJL: PostgreSQL svarer ikke på ${PG_URL%/*} — CI skal køre testene på PostgreSQL." >&2
  exit 1
else
  echo "ADVARSEL: PostgreSQL svarer ikke på ${PG_URL%/*}; testene kørte kun på SQLite." >&2
fi
exit $status
