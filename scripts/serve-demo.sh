#!/usr/bin/env bash
# Serve the demo: the background worker (imports and other long jobs) and the
# web server, stopped together with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_DEBUG=${DJANGO_DEBUG:-1}
.venv/bin/python manage.py db_worker --interval 1 >var-worker.log 2>&1 &
worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT INT TERM
echo "Tillid kører på http://127.0.0.1:8000 (stop med Ctrl-C)."
.venv/bin/python manage.py runserver 127.0.0.1:8000 --noreload
