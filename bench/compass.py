"""Benchmark: trust compass results with anonymity suppression, the unit page, and submissions.

Budgets (issue 4): on a 45,000-employee municipality with 80 % response to a
40-item instrument, all units' results with suppression in under 2 s; a
unit's results page in under 200 ms; survey submissions against PostgreSQL
under gunicorn with concurrent clients on loopback at 200 or more per second,
none lost or duplicated.

What is measured
  results   selectors._compute_results (every unit subtree × role group × dimension,
            the anonymity engine once for all dimensions and once for comments),
            uncached, best of 2.
  page      GET of an institution's results page through Django's test client, after
            one warm-up request (closed rounds' results are cached), median of 20.
  submit    (--submissions N, PostgreSQL only) gunicorn on 127.0.0.1 with the shipped
            deploy/gunicorn.conf.py (its defaults, or GUNICORN_* from the environment;
            access log on); 16 client threads first open every answering page (CSRF cookie),
            then post a full answer sheet for each link; only the posts are timed. A post
            counts when it gets "303 See Other" to the thank-you page. Afterwards the database
            must hold exactly N new responses and N used invitations.

Baseline, in the same run: the naive per-unit query — for every unit, one query
for the responses in its subtree and a Python mean per dimension, with no
suppression at all (so it is flattered). It runs on a sample of units
(--sample, default 150) and is extrapolated to all units; the page baseline is
the same naive computation for the one unit. The ratios printed are baseline
time divided by measured time.

    .venv/bin/python bench/compass.py [--employees 45000] [--database-url URL] [--submissions 2000]
"""

import argparse
import json
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

RESULTS_BUDGET_S = 2.0
PAGE_BUDGET_S = 0.2
SUBMIT_BUDGET_PER_S = 200.0


def build(employees: int, seed: int):
    from django.utils import timezone

    from tillid.compass import services
    from tillid.compass.demo import _answers, _item_plan
    from tillid.compass.instruments import INSTRUMENT_DIR, parse, spec_for
    from tillid.compass.models import Invitation, Response, RoleGroup, Round
    from tillid.organisation import demo
    from tillid.organisation.management.commands.demo_municipality import write_organisation
    from tillid.organisation.models import Person, Unit

    organisation = demo.generate(employees=employees, seed=seed, municipality_name="Bench Kommune")
    write_organisation(organisation)
    # A 40-item instrument: the four elements, the tripod and three trust relations.
    data = parse((INSTRUMENT_DIR / "tillidskompas-v1.yaml").read_bytes())
    keep = [d for d in data["dimensions"] if d["family"] in ("compass", "tripod")]
    keep += [d for d in data["dimensions"] if d["family"] == "relations"][:3]
    codes = {c for d in keep for c in d["items"]}
    data.update(
        code="bench-40", dimensions=keep, items=[i for i in data["items"] if i["code"] in codes]
    )
    instrument, _ = services.import_instrument(data=data)
    spec = spec_for(instrument)
    plan = _item_plan(spec)
    root = Unit.objects.get(parent__isnull=True)
    today = timezone.localdate()
    round_ = Round.objects.create(
        name="Benchmark",
        instrument=instrument,
        root=root,
        tree=services.unit_tree(root),
        opens_on=today - timedelta(days=30),
        closes_on=today - timedelta(days=10),
        min_group=5,
        min_comment_group=8,
    )
    rng = random.Random(seed)
    levels = {
        u: {d: rng.gauss(3.5, 0.4) for d in spec.dimension_codes()}
        for u in Unit.objects.values_list("pk", flat=True)
    }
    invitations, responses = [], []
    for pk, unit_id, leader in Person.objects.values_list("pk", "unit_id", "is_leader"):
        answered = rng.random() < 0.8
        invitations.append(
            Invitation(
                round_id=round_.pk,
                person_id=pk,
                unit_id=unit_id,
                role_group=RoleGroup.LEADER if leader else RoleGroup.EMPLOYEE,
                token_hash=f"{round_.pk:08d}{pk:056d}",
                used=answered,
            )
        )
        if answered:
            responses.append(
                services.response_sheet(
                    spec=spec,
                    round_id=round_.pk,
                    unit_id=unit_id,
                    role_group=RoleGroup.LEADER if leader else RoleGroup.EMPLOYEE,
                    submitted_on=round_.closes_on,
                    answers=_answers(rng, plan, levels[unit_id], rng.gauss(0, 0.4)),
                    comment="Kommentar" if rng.random() < 0.1 else "",
                )
            )
    Invitation.objects.bulk_create(invitations, batch_size=5000)
    Response.objects.bulk_create(responses, batch_size=5000)
    return round_, len(responses)


def naive_unit(round_, unit, spec) -> dict:
    from tillid.compass.models import Response

    answers = list(
        Response.objects.filter(round=round_, unit__path__startswith=unit.path).values_list(
            "answers", flat=True
        )
    )
    out = {}
    for code in spec.dimension_codes():
        items = spec.dimension_items(code)
        scores = []
        for a in answers:
            values = [
                (100 - 25 * (a[c] - 1)) if rev else 25 * (a[c] - 1) for c, rev in items if c in a
            ]
            if values and 2 * len(values) >= len(items):
                scores.append(sum(values) / len(values))
        out[code] = statistics.fmean(scores) if scores else None
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cpu_seconds(pid: int) -> tuple[float, float]:
    """CPU seconds (user + system) used so far by a process and its children, and
    by the database server's processes on this machine (Linux /proc)."""
    import os

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
        # fields[1] is the parent pid, fields[11:13] user and system ticks.
        seconds = (int(fields[11]) + int(fields[12])) / tick
        if int(entry.name) == pid or int(fields[1]) == pid:
            server += seconds
        elif name.endswith("(postgres"):
            database += seconds
    return server, database


def submissions(n: int, database_url: str) -> tuple[float, int, int, int]:
    """Post n answer sheets through gunicorn; returns (seconds, ok, responses, used)."""
    import http.cookiejar
    import os
    import re
    import urllib.error
    import urllib.parse
    import urllib.request

    from django.db import connections
    from django.utils import timezone

    from tillid.compass import services
    from tillid.compass.models import Instrument, Invitation, Response
    from tillid.organisation.models import Unit

    instrument = Instrument.objects.get(code="bench-40")
    root = Unit.objects.get(parent__isnull=True)
    today = timezone.localdate()
    # Open a round for the first n people: a subtree big enough, then cut to n.
    round_ = services.open_round(
        name="Benchmark live",
        instrument=instrument,
        root=root,
        opens_on=today,
        closes_on=today + timedelta(days=7),
        send_email=False,
    )
    # Without e-mail every invitation is a letter; printing them makes the links.
    tokens = [letter.token for letter in services.issue_letters(round_=round_)][:n]
    codes = [
        c for c, _ in instrument.source and [(i["code"], 0) for i in instrument.source["items"]]
    ]
    before = Response.objects.filter(round=round_).count()
    connections.close_all()
    port = free_port()
    # TILLID_TESTING: plain-HTTP cookies and loopback hosts, as the demo server has.
    env = dict(os.environ, DATABASE_URL=database_url, TILLID_TESTING="1")
    # The shipped production configuration (deploy/gunicorn.conf.py), access log included.
    access_log = Path(tempfile.mkdtemp(prefix="tillid-bench-")) / "access.log"
    env.update(GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_ACCESS_LOG=str(access_log))
    env.setdefault("GUNICORN_LOG_LEVEL", "warning")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py")],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/konto/log-ind/", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    ok = 0
    lock = threading.Lock()

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        # A submission ends with the server's "303 See Other" to the thank-you
        # page; the browser's next request (the page) is a page view, as the
        # answering page before it, and is not timed.
        def redirect_request(self, *args, **kwargs):
            return None

    def prepare(token: str):
        """Open the answering page first (as the respondent does before answering)."""
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())
        url = f"{base}/tillidskompas/svar/{token}/"
        html = opener.open(url, timeout=60).read().decode()
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        form = {"csrfmiddlewaretoken": csrf, **{f"q_{c}": "4" for c in codes}}
        request = urllib.request.Request(
            url,
            data=urllib.parse.urlencode(form).encode(),
            headers={"Referer": url, "Origin": base},
        )
        return opener, request

    def submit(prepared) -> None:
        nonlocal ok
        opener, request = prepared
        try:
            opener.open(request, timeout=60).read()
        except urllib.error.HTTPError as answer:  # urllib reports the unfollowed 303 so
            if answer.code == 303 and "/svar/tak/" in answer.headers.get("Location", ""):
                with lock:
                    ok += 1

    try:
        with ThreadPoolExecutor(max_workers=16) as pool:
            prepared = list(pool.map(prepare, tokens))
        # Only the submissions (the POSTs) are timed.
        server_cpu, database_cpu = _cpu_seconds(server.pid)
        client_cpu = time.process_time()
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=16) as pool:
            list(pool.map(submit, prepared))
        seconds = time.perf_counter() - started
        client_cpu = time.process_time() - client_cpu
        server_after, database_after = _cpu_seconds(server.pid)
        print(
            f"CPU during the posts: gunicorn {server_after - server_cpu:.1f} s, PostgreSQL "
            f"{database_after - database_cpu:.1f} s, client {client_cpu:.1f} s, in "
            f"{seconds:.1f} s on {os.cpu_count()} cores"
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    responses = Response.objects.filter(round=round_).count() - before
    used = Invitation.objects.filter(round=round_, used=True).count()
    return seconds, ok, responses, used


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--employees", type=int, default=45_000)
    parser.add_argument("--seed", type=int, default=45)
    parser.add_argument("--sample", type=int, default=150)
    parser.add_argument("--database-url")
    parser.add_argument("--submissions", type=int, default=0)
    args = parser.parse_args()

    import os

    # Plain static files (no collectstatic manifest) and plain-HTTP cookies.
    os.environ.setdefault("TILLID_TESTING", "1")
    from scratch import setup_django

    description, cleanup = setup_django(args.database_url)
    failed = False
    try:
        from django.core.cache import cache
        from django.test import Client
        from django.urls import reverse

        from tillid.compass import selectors
        from tillid.compass.instruments import spec_for
        from tillid.organisation.models import Unit, UnitKind

        print(f"Database: {description}")
        t = time.perf_counter()
        round_, answered = build(args.employees, args.seed)
        print(
            f"Built {args.employees} employees, {answered} responses in {time.perf_counter() - t:.1f} s"
        )
        spec = spec_for(round_.instrument)
        units = list(Unit.objects.all())

        runs = []
        for _ in range(2):
            t = time.perf_counter()
            results = selectors._compute_results(round_)
            runs.append(time.perf_counter() - t)
        measured = min(runs)
        shown = results.shown_cells()
        sample = random.Random(1).sample(units, min(args.sample, len(units)))
        t = time.perf_counter()
        for unit in sample:
            naive_unit(round_, unit, spec)
        baseline = (time.perf_counter() - t) / len(sample) * len(units)
        print(
            f"All units' results with suppression: {measured:.2f} s for {len(units)} units "
            f"({shown} cells shown); naive per-unit baseline {baseline:.1f} s "
            f"(extrapolated from {len(sample)}); ratio {baseline / measured:.1f}x "
            f"(budget {RESULTS_BUDGET_S} s)"
        )
        failed |= measured > RESULTS_BUDGET_S
        coverage = results.disclosure.coverage()
        hidden_big = [
            results.units[u].name
            for u in results.units
            if results.disclosure.count(u) >= 100 and not results.disclosure.is_visible(u)
        ]
        print(
            f"Information loss: {coverage.share:.1%} of {coverage.respondents} respondents see "
            f"their own unit's figures; {results.left_out} answers left out at the top; "
            f"units of 100+ respondents hidden: {len(hidden_big)}"
        )

        from django.contrib.auth import get_user_model

        admin = get_user_model().objects.create_superuser("bench", password="bench-only-42")
        client = Client(SERVER_NAME="localhost")
        client.force_login(admin)
        institution = next(u for u in units if u.kind == UnitKind.INSTITUTION)
        url = reverse("compass:results", args=[round_.pk, institution.pk])
        cache.clear()
        assert client.get(url).status_code == 200
        times = []
        for _ in range(20):
            t = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - t)
            assert response.status_code == 200
        page = statistics.median(times)
        t = time.perf_counter()
        for _ in range(5):
            naive_unit(round_, institution, spec)
        page_baseline = (time.perf_counter() - t) / 5
        print(
            f"Unit results page ({institution.name}): median {page * 1000:.0f} ms; naive "
            f"per-unit query for the unit alone {page_baseline * 1000:.0f} ms; ratio "
            f"{page_baseline / page:.1f}x (budget {PAGE_BUDGET_S * 1000:.0f} ms)"
        )
        failed |= page > PAGE_BUDGET_S

        if args.submissions:
            if not args.database_url:
                print("Submissions are measured on PostgreSQL only (--database-url).")
            else:
                seconds, ok, responses, used = submissions(
                    args.submissions, os.environ["DATABASE_URL"]
                )
                rate = responses / seconds
                print(
                    f"Submissions under gunicorn: {ok} accepted of {args.submissions} in "
                    f"{seconds:.1f} s = {rate:.0f}/s; stored {responses}, links used {used} "
                    f"(budget {SUBMIT_BUDGET_PER_S:.0f}/s, none lost or duplicated)"
                )
                failed |= rate < SUBMIT_BUDGET_PER_S or not (
                    ok == responses == used == args.submissions
                )
        print(json.dumps({"results_s": round(measured, 3), "page_ms": round(page * 1000, 1)}))
    finally:
        cleanup()
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
