"""Benchmark: a city on a survey's closing day, and a database restart in the middle of it.

Budgets (issue 13): on PostgreSQL under gunicorn with the shipped
deploy/gunicorn.conf.py, 50 concurrent logged-in users on the roles' main
pages while survey answers arrive at 300 a second: pages p95 under 100 ms,
answers p99 under 200 ms, none lost or duplicated. Then PostgreSQL is
restarted in the middle of the load: every answer sent is stored exactly
once or was refused with a clear retry message (the answering page says so in
Danish and keeps the answers), and the service recovers by itself within 10 s.

How
  database  a scratch PostgreSQL cluster the benchmark makes itself (initdb, pg_ctl from
            /usr/lib/postgresql/*/bin) on a free port in a temporary folder, removed at the
            end; never the shared server. It is restarted with `pg_ctl restart -m fast`.
  data      `manage.py demo_municipality --employees N` (the demo municipality, every
            module; default 45,000 employees) plus a live survey round for everyone.
  server    gunicorn with deploy/gunicorn.conf.py (its defaults, or GUNICORN_* from the
            environment; access log to a file), TILLID_TESTING=1 for plain-HTTP cookies.
  users     --users (50) logged-in users spread over the demo logins' roles (half of them
            employees), each in its own keep-alive connection, asking for one of its role's
            main pages, then thinking for an exponential time (mean --think seconds).
  answers   --rate (300) posts a second, scheduled open-loop (Poisson arrivals) and sent
            by a pool of client threads, each on a new connection as from a new
            respondent's phone. The answering pages are not part of the rate: each client
            thread opens the answering start page once for its CSRF cookie. Only the POSTs
            are timed; one counts as stored when it gets "303 See Other" to the thank-you
            page, as refused when it gets the 503 page that says in Danish that nothing was
            stored and holds the answers for sending again.
  baseline  before the load, each page as its role five times and 20 answers, one at a
            time on the idle server (the same run): the loaded figures are printed beside
            it (p95 / alone), so what is queueing for the CPU shows apart from the page's cost.
  phases    --warmup s, then --steady s (the budgets), then --restart-window s with
            PostgreSQL restarted --restart-after s into it. Afterwards every refused or
            failed answer is sent again; it must then be stored, or be told that the link
            was already used (stored the first time). The database must hold exactly one
            response per link used, and as many as the answers known to be stored.
  recovery  from the start of the restart to the last failed request (page or answer).
  machine   the CPU time of gunicorn and PostgreSQL and the time their threads were
            runnable but waiting for a CPU (/proc schedstat) are printed: on a machine
            shared with other work the latter shows how much of the latency is not
            Tillid's. `--nice -10` (as root) raises the priority of the measured processes
            during the load.

The users and the answer senders run in two separate client processes (one GIL
each); their CPU time is printed beside gunicorn's and PostgreSQL's, since on
a 2-core machine all of them share the same cores.

    .venv/bin/python bench/load.py [--employees 45000] [--users 50] [--rate 300]
"""

import argparse
import contextlib
import glob
import http.client
import json
import multiprocessing
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

PAGE_P95_BUDGET_MS = 100.0
ANSWER_P99_BUDGET_MS = 200.0
RECOVERY_BUDGET_S = 10.0
PASSWORD = "tillid-demo"
# Text of the answering page's "not stored, send again" page (compass/answer_retry.html).
RETRY_MARK = 'data-testid="answer-not-stored"'
USED_MARK = "allerede"  # "Linket er allerede brugt …" (LinkUsed, in Danish)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the scratch cluster -------------------------------------------------------------


class ScratchCluster:
    """A PostgreSQL cluster of its own in a temporary folder, on a free port."""

    def __init__(self):
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
        if not bins:
            raise SystemExit("No PostgreSQL server binaries under /usr/lib/postgresql/*/bin.")
        self.bin = Path(bins[-1])
        self.dir = Path(tempfile.mkdtemp(prefix="tillid-load-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/tillid"
        # initdb refuses to run as root: run the server as the postgres user then.
        self.as_user = []
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args, check=True) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*self.as_user, *args], check=check, capture_output=True, text=True, timeout=120
        )

    def start(self) -> None:
        self._run(
            str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
            "-E", "UTF8", "--no-instructions",
        )  # fmt: skip
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(
                f"\nport = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.dir}'\nmax_connections = 200\n"
                "shared_buffers = 256MB\n"
            )
        self.pg_ctl("start")

    def pg_ctl(self, *args) -> float:
        started = time.monotonic()
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "server.log"),
            "-w", "-t", "60", *args,
        )  # fmt: skip
        return time.monotonic() - started

    def restart(self) -> float:
        """A fast restart: open connections are cut, transactions in progress rolled back."""
        return self.pg_ctl("restart", "-m", "fast")

    def remove(self) -> None:
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop", check=False
        )
        shutil.rmtree(self.dir, ignore_errors=True)


# --- building the city ---------------------------------------------------------------


def build(employees: int, seed: int) -> dict:
    """The demo municipality, a live round for everyone; returns what the clients need."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from tillid.compass import services
    from tillid.compass.models import Instrument, Round
    from tillid.organisation.models import Unit

    call_command("demo_municipality", employees=employees, seed=seed, verbosity=0)
    root = Unit.objects.get(parent__isnull=True)
    today = timezone.localdate()
    instrument = Instrument.objects.order_by("pk").first()
    live = services.open_round(
        name="Lukkedag",
        instrument=instrument,
        root=root,
        opens_on=today,
        closes_on=today + timedelta(days=1),
        send_email=False,
    )
    # Opened without e-mail, everyone gets a letter; printing them makes the links.
    with transaction.atomic():
        issued = [letter.token for letter in services.issue_letters(round_=live)]
    # A database that has run for a while has its statistics and visibility map
    # (autovacuum); one just filled in bulk has neither, and plans as if empty.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    codes = [item["code"] for item in instrument.source["items"]]
    user = get_user_model().objects
    leader_unit = user.get(username="leder").person.unit
    social = leader_unit
    while social.parent_id and social.kind != "administration":
        social = social.parent
    closed = Round.objects.filter(closes_on__lt=today).order_by("-closes_on").first()
    results = [f"/tillidskompas/runder/{closed.pk}/resultater/{leader_unit.pk}/"] if closed else []
    pages = {
        "medarbejder": ["/", "/styring/min-styring/", "/tillidskompas/", "/proevehandlinger/"],
        "leder": [
            "/",
            *results,
            "/delegering/",
            f"/styring/enheder/{leader_unit.pk}/",
            f"/organisation/enheder/{leader_unit.pk}/",
        ],
        "konsulent": ["/styring/", "/styring/loeget/", f"/tillidskompas/runder/{live.pk}/"],
        "politiker": ["/", "/styring/loeget/", "/tillidskompas/"],
        "tr": [
            *(
                [f"/tillidskompas/runder/{closed.pk}/resultater/{social.pk}/"]
                if closed
                else ["/tillidskompas/"]
            ),
            "/styring/gennemgange/",
        ],
        "hr": ["/delegering/", "/"],
        "admin": ["/organisation/roller/", "/styring/"],
    }
    return {"round_id": live.pk, "tokens": issued, "codes": codes, "pages": pages}


def page_kind(path: str) -> str:
    """A name per kind of page, for the figures (ids left out)."""
    kind = re.sub(r"/\d+", "/<id>", path)
    return {"/": "front page"}.get(kind, kind)


# --- the clients (run in their own processes) ------------------------------------------


class Browser:
    """One user's keep-alive connection with its cookies."""

    def __init__(self, port: int, keep_alive: bool = True):
        self.port, self.keep_alive = port, keep_alive
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None
        self.last_used = 0.0

    def _connection(self) -> http.client.HTTPConnection:
        # gunicorn closes idle keep-alive connections after 5 s; start afresh before that.
        if self.conn is None or not self.keep_alive or time.monotonic() - self.last_used > 4:
            if self.conn is not None:
                self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        return self.conn

    def request(self, method: str, path: str, form: dict | None = None, retry: bool = True):
        headers = {"Host": f"127.0.0.1:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{self.port}{path}"
        if not self.keep_alive:
            headers["Connection"] = "close"
        conn = self._connection()
        try:
            conn.request(method, path, body=body, headers=headers)
            answer = conn.getresponse()
            data = answer.read()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = None
            if retry and method == "GET":
                return self.request(method, path, form, retry=False)
            raise
        finally:
            self.last_used = time.monotonic()
        for header, value in answer.getheaders():
            if header.lower() == "set-cookie":
                name, _sep, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return answer.status, answer.getheader("Location") or "", data.decode("utf-8", "replace")

    def csrf(self, path: str) -> str:
        _status, _location, html = self.request("GET", path)
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)

    def log_in(self, username: str) -> None:
        token = self.csrf("/konto/log-ind/")
        status, _location, _html = self.request(
            "POST",
            "/konto/log-ind/",
            {"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD},
        )
        if status != 302:
            raise RuntimeError(f"login of {username} failed ({status})")


USER_MIX = [
    ("medarbejder", 0.5),
    ("leder", 0.2),
    ("konsulent", 0.1),
    ("politiker", 0.06),
    ("tr", 0.06),
    ("hr", 0.04),
    ("admin", 0.04),
]


def run_users(port, pages, users, think, until, seed, out) -> None:
    """The logged-in users: (time, kind, ms, status) per page, to `out`."""
    start_cpu = time.process_time()
    rng = random.Random(seed)
    roles = []
    for role, share in USER_MIX:
        roles += [role] * round(users * share)
    roles = (roles + ["medarbejder"] * users)[:users]
    records, lock = [], threading.Lock()

    def user(role: str, number: int) -> None:
        local = random.Random(seed * 1000 + number)
        browser = Browser(port)
        browser.log_in(role)
        time.sleep(local.uniform(0, think))  # not all at once
        while time.time() < until:
            path = local.choice(pages[role])
            started = time.time()
            try:
                status, _location, _html = browser.request("GET", path)
            except (http.client.HTTPException, OSError):
                status = 0
            elapsed = (time.time() - started) * 1000
            with lock:
                records.append((started, page_kind(path), elapsed, status))
            time.sleep(local.expovariate(1 / think) if think else 0)

    threads = [threading.Thread(target=user, args=(r, i)) for i, r in enumerate(roles)]
    rng.shuffle(threads)
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put(("users", records, time.process_time() - start_cpu))


def answer_form(token_codes: list[str], rng: random.Random) -> dict:
    return {f"q_{code}": str(rng.randint(1, 5)) for code in token_codes}


def run_answers(port, tokens, codes, rate, started_at, until, senders, seed, out) -> None:
    """Survey answers at `rate` a second (Poisson arrivals): (token, time, ms, outcome) per post."""
    start_cpu = time.process_time()
    rng = random.Random(seed)
    due: list[float] = []
    t = started_at
    while t < until and len(due) < len(tokens):
        t += rng.expovariate(rate)
        due.append(t)
    jobs = list(zip(tokens, due, strict=False))
    records, lock, cursor = [], threading.Lock(), iter(jobs)
    next_lock = threading.Lock()

    def sender(number: int) -> None:
        local = random.Random(seed + number)
        browser = Browser(port, keep_alive=False)
        csrf = browser.csrf("/tillidskompas/svar/")
        while True:
            with next_lock:
                job = next(cursor, None)
            if job is None:
                return
            token, at = job
            if at >= until or time.time() >= until + 5:
                return  # the window is over: what was not sent in time is not sent
            wait = at - time.time()
            if wait > 0:
                time.sleep(wait)
            form = {"csrfmiddlewaretoken": csrf, **answer_form(codes, local)}
            sent = time.time()
            try:
                status, location, html = browser.request(
                    "POST", f"/tillidskompas/svar/{token}/", form, retry=False
                )
                outcome = classify(status, location, html)
            except (http.client.HTTPException, OSError) as exc:
                outcome = f"connection error ({type(exc).__name__})"
            elapsed = (time.time() - sent) * 1000
            with lock:
                records.append((token, sent, elapsed, outcome, sent - at))

    threads = [threading.Thread(target=sender, args=(i,)) for i in range(senders)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    out.put(("answers", records, time.process_time() - start_cpu))


def classify(status: int, location: str, html: str) -> str:
    if status == 303 and "/svar/tak/" in location:
        return "stored"
    if status == 503 and RETRY_MARK in html:
        return "refused, retry"
    if status == 410 and USED_MARK in html:
        return "already used"
    return f"HTTP {status}"


# --- figures ---------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def cpu_seconds(pid: int) -> tuple[float, float]:
    """CPU seconds of a process tree (gunicorn) and of all postgres processes (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    server = database = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            name, rest = (entry / "stat").read_text().rsplit(")", 1)
        except OSError:
            continue
        fields = rest.split()
        seconds = (int(fields[11]) + int(fields[12])) / tick
        if int(entry.name) == pid or int(fields[1]) == pid:
            server += seconds
        elif name.endswith("(postgres"):
            database += seconds
    return server, database


def tree_pids(root: int) -> list[int]:
    """A process and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children[ppid].append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def raise_priority(niceness: int, *roots: int) -> None:
    """Give the measured processes (and those they start later) this niceness."""
    for root in roots:
        for pid in tree_pids(root):
            with contextlib.suppress(OSError):
                os.setpriority(os.PRIO_PROCESS, pid, niceness)


def error_summary(log: Path, limit: int = 4) -> list[str]:
    """The commonest exception lines in gunicorn's output."""
    counts: dict[str, int] = defaultdict(int)
    for line in log.read_text(errors="replace").splitlines():
        if re.match(r"^[\w.]+(Error|Exception): ", line):
            counts[line[:140]] += 1
    return [f"{n} × {text}" for text, n in sorted(counts.items(), key=lambda kv: -kv[1])[:limit]]


def sched_seconds(roots: list[int]) -> tuple[float, float]:
    """Seconds on a CPU and seconds waiting for one (runnable, not running) of the
    threads of these process trees (Linux /proc/<pid>/task/<tid>/schedstat)."""
    on_cpu = waiting = 0
    for root in roots:
        for pid in tree_pids(root):
            for task in Path(f"/proc/{pid}/task").glob("*"):
                try:
                    run, wait, _slices = (task / "schedstat").read_text().split()
                except (OSError, ValueError):
                    continue
                on_cpu += int(run)
                waiting += int(wait)
    return on_cpu / 1e9, waiting / 1e9


def start_gunicorn(database_url: str, log_dir: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = dict(os.environ, DATABASE_URL=database_url, TILLID_TESTING="1")
    env.update(
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_ACCESS_LOG=str(log_dir / "access.log"),
        GUNICORN_ERROR_LOG=str(log_dir / "error.log"),
    )
    env.setdefault("GUNICORN_LOG_LEVEL", "warning")
    # Django's error log goes to server.log; errors are summed up at the end.
    env["LOG_LEVEL"] = "ERROR"
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py")],
        cwd=ROOT,
        env=env,
        stdout=open(log_dir / "server.log", "w"),  # noqa: SIM115 (open while it runs)
        stderr=subprocess.STDOUT,
    )
    for _ in range(150):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            time.sleep(0.2)
    return server, port


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--employees", type=int, default=45_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--think", type=float, default=2.0, help="mean think time, seconds")
    parser.add_argument("--rate", type=float, default=300.0, help="answers a second")
    parser.add_argument("--senders", type=int, default=48, help="client threads for answers")
    parser.add_argument("--warmup", type=float, default=10.0)
    parser.add_argument("--steady", type=float, default=60.0)
    parser.add_argument("--restart-window", type=float, default=40.0)
    parser.add_argument("--restart-after", type=float, default=10.0)
    parser.add_argument("--no-restart", action="store_true")
    parser.add_argument(
        "--nice",
        type=int,
        default=0,
        help="niceness for the measured processes during the load (e.g. -10 as root on a "
        "machine shared with other work; the figures then say so)",
    )
    args = parser.parse_args()
    # Stopped from outside: still remove the scratch cluster and stop gunicorn.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))

    cluster = ScratchCluster()
    cluster.start()
    server = None
    failed = False
    try:
        from scratch import setup_django

        description, cleanup = setup_django(cluster.url, testing=True)
        database_url = os.environ["DATABASE_URL"]
        print(
            f"Database: {description} on a scratch cluster (PostgreSQL "
            f"{cluster.bin.parent.name}), port {cluster.port}; load average {os.getloadavg()}"
        )
        t = time.perf_counter()
        city = build(args.employees, args.seed)
        print(
            f"Built the demo municipality with {args.employees} employees and a live round of "
            f"{len(city['tokens'])} links in {time.perf_counter() - t:.0f} s"
        )
        from django.db import connections

        connections.close_all()
        log_dir = Path(tempfile.mkdtemp(prefix="tillid-load-"))
        server, port = start_gunicorn(database_url, log_dir)

        # Every page as its role: all must answer 200 before the load starts.
        # The baseline: each page alone on the idle server (the median of five
        # after one warm-up), to set the loaded figures against.
        alone: dict[str, list[float]] = defaultdict(list)
        for role, paths in city["pages"].items():
            browser = Browser(port)
            browser.log_in(role)
            for path in paths:
                for attempt in range(6):
                    started = time.perf_counter()
                    status, _l, _h = browser.request("GET", path)
                    if status != 200:
                        raise SystemExit(f"{role} gets {status} for {path}")
                    if attempt:
                        alone[page_kind(path)].append((time.perf_counter() - started) * 1000)
        answer_alone: list[float] = []
        sender = Browser(port, keep_alive=False)
        csrf = sender.csrf("/tillidskompas/svar/")
        for token in [city["tokens"].pop() for _ in range(20)]:
            started = time.perf_counter()
            status, location, html = sender.request(
                "POST",
                f"/tillidskompas/svar/{token}/",
                {"csrfmiddlewaretoken": csrf, **answer_form(city["codes"], random.Random(7))},
                retry=False,
            )
            if classify(status, location, html) != "stored":
                raise SystemExit(f"an answer on the idle server was not stored ({status})")
            answer_alone.append((time.perf_counter() - started) * 1000)
        all_alone = [ms for values in alone.values() for ms in values]
        print(
            f"Baseline, the idle server one request at a time: pages p50 "
            f"{pct(all_alone, 0.5):.1f} ms (slowest kind "
            f"{max(pct(v, 0.5) for v in alone.values()):.1f} ms), an answer p50 "
            f"{pct(answer_alone, 0.5):.1f} ms"
        )

        phase_end = args.warmup + args.steady + (0 if args.no_restart else args.restart_window)
        needed = int(args.rate * phase_end * 1.05) + 100
        if needed > len(city["tokens"]):
            raise SystemExit(f"{needed} links needed, {len(city['tokens'])} made: more --employees")
        t0 = time.time() + 3  # the clients log in first
        until = t0 + phase_end
        if args.nice:
            postmaster = int((cluster.data / "postmaster.pid").read_text().split()[0])
            raise_priority(args.nice, postmaster, server.pid, os.getpid())
            print(f"Priority: niceness {args.nice} for PostgreSQL, gunicorn and the clients")
        out = multiprocessing.get_context("fork").Queue()
        clients = [
            multiprocessing.get_context("fork").Process(
                target=run_users,
                args=(port, city["pages"], args.users, args.think, until, args.seed, out),
            ),
            multiprocessing.get_context("fork").Process(
                target=run_answers,
                args=(
                    port,
                    city["tokens"],
                    city["codes"],
                    args.rate,
                    t0,
                    until,
                    args.senders,
                    args.seed,
                    out,
                ),
            ),
        ]
        for c in clients:
            c.start()
        time.sleep(max(0.0, t0 + args.warmup - time.time()))
        postmaster = int((cluster.data / "postmaster.pid").read_text().split()[0])
        cpu_before = cpu_seconds(server.pid)
        sched_before = sched_seconds([server.pid, postmaster])
        time.sleep(max(0.0, t0 + args.warmup + args.steady - time.time()))
        cpu_after = cpu_seconds(server.pid)
        sched_after = sched_seconds([server.pid, postmaster])
        restart = None
        if not args.no_restart:
            time.sleep(max(0.0, t0 + args.warmup + args.steady + args.restart_after - time.time()))
            restart_at = time.time()
            took = cluster.restart()
            restart = (restart_at, took)
        results = {}
        for _ in clients:
            kind, records, cpu = out.get()
            results[kind] = (records, cpu)
        for c in clients:
            c.join()

        steady_from, steady_to = t0 + args.warmup, t0 + args.warmup + args.steady
        pages_rec, users_cpu = results["users"]
        answers_rec, answers_cpu = results["answers"]
        print(
            f"\nSteady load ({args.steady:.0f} s after {args.warmup:.0f} s warm-up): "
            f"{args.users} users (think time mean {args.think} s), answers at {args.rate:.0f}/s"
        )
        by_kind = defaultdict(list)
        page_errors = 0
        for at, kind, ms, status in pages_rec:
            if steady_from <= at < steady_to:
                by_kind[kind].append(ms)
                page_errors += status != 200
        all_pages = [ms for values in by_kind.values() for ms in values]
        print(
            f"{'page':46} {'n':>6} {'p50':>7} {'p95':>7} {'p99':>7} {'alone':>7} "
            f"{'p95/alone':>9}  (ms)"
        )
        for kind in sorted(by_kind):
            v = by_kind[kind]
            base = pct(alone[kind], 0.5) if alone.get(kind) else float("nan")
            print(
                f"{kind:46} {len(v):6} {pct(v, 0.5):7.1f} {pct(v, 0.95):7.1f} "
                f"{pct(v, 0.99):7.1f} {base:7.1f} {pct(v, 0.95) / base:9.1f}"
            )
        print(
            f"{'all pages':46} {len(all_pages):6} {pct(all_pages, 0.5):7.1f} "
            f"{pct(all_pages, 0.95):7.1f} {pct(all_pages, 0.99):7.1f}   errors {page_errors}"
        )
        steady_answers = [r for r in answers_rec if steady_from <= r[1] < steady_to]
        scheduled = int(args.rate * args.steady)
        stored_ms = [r[2] for r in steady_answers if r[3] == "stored"]
        lag = [r[4] * 1000 for r in steady_answers]
        rate = sum(1 for r in steady_answers if r[3] == "stored") / args.steady
        outcomes = defaultdict(int)
        for r in steady_answers:
            outcomes[r[3]] += 1
        print(
            f"{'answers (POST)':46} {len(stored_ms):6} {pct(stored_ms, 0.5):7.1f} "
            f"{pct(stored_ms, 0.95):7.1f} {pct(stored_ms, 0.99):7.1f}   stored {rate:.0f}/s; "
            f"client lag p99 {pct(lag, 0.99):.0f} ms; sent {len(steady_answers)} of about "
            f"{scheduled} due; {dict(outcomes)}"
        )
        print(
            f"{'':46} answers p99 / alone p50: {pct(stored_ms, 0.99) / pct(answer_alone, 0.5):.1f}"
        )
        server_cpu = cpu_after[0] - cpu_before[0]
        database_cpu = cpu_after[1] - cpu_before[1]
        print(
            f"CPU in the steady window: gunicorn {server_cpu:.0f} s, PostgreSQL {database_cpu:.0f} s "
            f"of {args.steady * (os.cpu_count() or 1):.0f} core-seconds; clients (whole run) "
            f"users {users_cpu:.0f} s, answers {answers_cpu:.0f} s"
        )
        print(
            f"Scheduler, gunicorn and PostgreSQL threads in the steady window: "
            f"{sched_after[0] - sched_before[0]:.0f} s on a CPU, "
            f"{sched_after[1] - sched_before[1]:.0f} s runnable but waiting for one "
            f"(other work on the machine); load average {os.getloadavg()[0]:.1f}"
        )
        page_p95 = pct(all_pages, 0.95)
        answer_p99 = pct(stored_ms, 0.99)
        budget_ok = (
            page_p95 < PAGE_P95_BUDGET_MS
            and answer_p99 < ANSWER_P99_BUDGET_MS
            and page_errors == 0
            and rate >= 0.95 * args.rate
        )
        print(
            f"Budgets: pages p95 {page_p95:.0f} ms (< {PAGE_P95_BUDGET_MS:.0f}), answers p99 "
            f"{answer_p99:.0f} ms (< {ANSWER_P99_BUDGET_MS:.0f}), rate {rate:.0f}/s "
            f"(>= {0.95 * args.rate:.0f}): {'met' if budget_ok else 'NOT MET'}"
        )
        failed |= not budget_ok

        if restart is not None:
            restart_at, took = restart
            window = [r for r in answers_rec if r[1] >= steady_to]
            outcomes = defaultdict(int)
            for r in window:
                outcomes[r[3]] += 1
            failures = [r[1] + r[2] / 1000 for r in window if r[3] != "stored"]
            failures += [
                at + ms / 1000
                for at, _k, ms, status in pages_rec
                if at >= steady_to and status != 200
            ]
            page_fail = defaultdict(int)
            for at, _k, _ms, status in pages_rec:
                if at >= steady_to and status != 200:
                    page_fail[status] += 1
            last_failure = max(failures) if failures else restart_at
            recovery = max(0.0, last_failure - restart_at)
            print(
                f"\nRestart of PostgreSQL {args.restart_after:.0f} s into a {args.restart_window:.0f} s "
                f"window (pg_ctl restart -m fast took {took:.1f} s): answers {dict(outcomes)}; "
                f"pages not 200 by status: {dict(page_fail)}; last failure {recovery:.1f} s after the restart began "
                f"(budget {RECOVERY_BUDGET_S:.0f} s)"
            )
            # Send again every answer that was not known to be stored.
            again = [r[0] for r in answers_rec if r[3] != "stored"]
            retried = defaultdict(int)
            browser = Browser(port, keep_alive=False)
            csrf = browser.csrf("/tillidskompas/svar/")
            rng = random.Random(1)
            for token in again:
                status, location, html = browser.request(
                    "POST",
                    f"/tillidskompas/svar/{token}/",
                    {"csrfmiddlewaretoken": csrf, **answer_form(city["codes"], rng)},
                    retry=False,
                )
                retried[classify(status, location, html)] += 1
            unclear = sum(n for o, n in outcomes.items() if o not in ("stored", "refused, retry"))
            print(
                f"Sent again after the restart: {len(again)} answers → {dict(retried)} "
                f"(answers neither stored nor refused with the retry page: {unclear})"
            )
            from tillid.compass.models import Invitation, Response

            connections.close_all()
            stored = Response.objects.filter(round_id=city["round_id"]).count()
            used = Invitation.objects.filter(round_id=city["round_id"], used=True).count()
            known = sum(1 for r in answers_rec if r[3] == "stored") + retried["stored"]
            known += len(answer_alone)  # the baseline's answers
            known += retried["already used"]
            exact = stored == used == known and not (set(retried) - {"stored", "already used"})
            print(
                f"Database: {stored} responses, {used} links used; answers known stored {known} "
                f"({'exactly once each' if exact else 'MISMATCH'})"
            )
            restart_ok = exact and recovery <= RECOVERY_BUDGET_S and unclear == 0
            print(f"Restart: {'survived' if restart_ok else 'NOT SURVIVED'}")
            failed |= not restart_ok
        print(
            json.dumps(
                {
                    "pages_p95_ms": round(page_p95, 1),
                    "answers_p99_ms": round(answer_p99, 1),
                    "answers_per_s": round(rate, 1),
                }
            )
        )
        del cleanup  # the whole scratch cluster goes below
        for line in error_summary(log_dir / "server.log"):
            print(f"  server log: {line}")
        print(f"Load average of the machine at the end: {os.getloadavg()}")
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        cluster.remove()
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
