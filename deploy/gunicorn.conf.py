"""gunicorn settings for Tillid in production.

    gunicorn -c deploy/gunicorn.conf.py

Run from the checkout (deploy/tillid.service does), with the variables of
deploy/env.example in the environment. Every setting here can be changed
with the GUNICORN_* variable named beside it.
"""

import multiprocessing
import os
import re
from pathlib import Path

from gunicorn.glogging import Logger

ROOT = Path(__file__).resolve().parent.parent

wsgi_app = "tillid.wsgi:application"
pythonpath = str(ROOT / "src")
chdir = str(ROOT)
raw_env = ["DJANGO_SETTINGS_MODULE=tillid.settings"]

# Listen on localhost (or a unix socket: "unix:/run/tillid/gunicorn.sock");
# nginx in front terminates TLS and serves /static/ (deploy/nginx.conf).
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")

# Workers: cores + 1 processes with 4 threads each by default. Tillid's
# requests are short and CPU-bound (the database answers in well under a
# millisecond), so more processes than cores only compete for the CPU: on 2
# cores, 3 × 4 took clearly more survey answers a second than 5 × 1
# (bench/compass.py). The threads keep the site answering while a worker
# renders a council report. Each thread holds its own database connection
# (DB_CONN_MAX_AGE), so keep workers × threads × servers below PostgreSQL's
# max_connections.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread" if threads > 1 else "sync"

# The council report (PDF) and large exports take a while; imports run in
# the background worker, not in a request.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))

# Load Tillid once in the master and fork the workers from it: a new worker
# is ready at once instead of spending over a second of CPU importing Django
# and Tillid, which on a survey's closing day (hundreds of requests a second)
# took that second from the requests every time a worker was recycled.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1").lower() not in ("0", "false", "no", "off")

# Recycle workers now and then so a slow leak never grows. At 2,000 requests
# a worker was replaced every few seconds under load (bench/load.py), each
# one starting with cold caches; 20,000 is still hours on an ordinary day.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "2000"))

# Only trust X-Forwarded-* from the proxy on this machine.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

if Path("/dev/shm").is_dir():
    worker_tmp_dir = "/dev/shm"

# gunicorn's control socket (for `gunicornc`): in systemd's RuntimeDirectory
# when there is one, since the service user's home is not writable.
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
elif os.environ.get("RUNTIME_DIRECTORY"):
    control_socket = str(Path(os.environ["RUNTIME_DIRECTORY"].split(":")[0]) / "gunicorn.ctl")

# Logs go to stdout/stderr (the journal under systemd). "-" is stdout; set a
# file path to write elsewhere, or "" to switch the access log off.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# The access log must not undo the survey's anonymity: no client address,
# no query string, and long tokens in paths (invitation links, API keys)
# replaced by "…". Time, method, path, status, size, duration.
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'

_TOKEN = re.compile(r"/[A-Za-z0-9_\-]{16,}(?=/|$)")


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["U"] = _TOKEN.sub("/…", atoms.get("U") or "")
        return atoms


logger_class = RedactingLogger
