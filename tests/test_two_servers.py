# ruff: noqa: F811 (the fixtures imported below are requested by name)
"""Two web servers on one database serve the same data, whichever one took the write.

Tillid keeps nothing a request depends on in one process's memory alone:
sessions are in the database, and the per-process caches (the register's
burden inputs, a closed round's results) are keyed by a stamp or a count in
the database. Two gunicorn instances with the shipped deploy/gunicorn.conf.py
run on the test database; each write goes through one and is read through
the other, after both have warmed their caches.

PostgreSQL only: the test database on SQLite lives in this process's memory.
"""

import http.client
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection

from tillid.compass import services as compass_services

# The compass tests' fixtures: a staffed care home with a round open.
from tillid.compass.tests.conftest import (  # noqa: F401
    answers_for,
    instruments,
    open_round,
    staffed,
)
from tillid.conftest import make_user, org, person_user, roles  # noqa: F401
from tillid.governance.models import Kind, Layer
from tillid.governance.tests.conftest import make_item
from tillid.organisation.models import Person
from tillid.organisation.testing import PASSWORD

ROOT = Path(__file__).resolve().parents[1]

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="two servers need a database outside this process (PostgreSQL)",
    ),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, database_url: str, log: Path):
        self.port = _free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("GUNICORN_")}
        env.update(
            DATABASE_URL=database_url,
            TILLID_TESTING="1",
            GUNICORN_BIND=f"127.0.0.1:{self.port}",
            GUNICORN_WORKERS="1",
            GUNICORN_THREADS="2",
            GUNICORN_ACCESS_LOG="",
            GUNICORN_ERROR_LOG=str(log),
            GUNICORN_LOG_LEVEL="warning",
        )
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py")],
            cwd=ROOT,
            env=env,
        )

    def wait(self) -> None:
        for _ in range(300):
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


class Browser:
    """Cookies shared by both servers, as behind one proxy under one host name."""

    def __init__(self):
        self.cookies: dict[str, str] = {}

    def request(self, server: Server, method: str, path: str, form: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        headers = {"Host": "localhost"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        answer = conn.getresponse()
        html = answer.read().decode()
        for header, value in answer.getheaders():
            if header.lower() == "set-cookie":
                name, _sep, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        conn.close()
        return answer.status, answer.getheader("Location") or "", html

    def csrf(self, server: Server, path: str) -> str:
        _s, _l, html = self.request(server, "GET", path)
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)

    def post(self, server: Server, path: str, form: dict, token_from: str | None = None):
        token = self.csrf(server, token_from or path)
        return self.request(server, "POST", path, {"csrfmiddlewaretoken": token, **form})


@pytest.fixture
def servers(transactional_db, tmp_path):
    settings = connection.settings_dict
    url = (
        f"postgres://{settings['USER']}:{settings['PASSWORD'] or ''}@{settings['HOST']}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )
    pair = [Server(url, tmp_path / f"server{i}.log") for i in (1, 2)]
    for server in pair:
        server.wait()
    yield pair
    for server in pair:
        server.stop()
    # The servers' connections are gone before the test database is emptied.
    connection.close()


def _hours(html: str, title: str) -> str:
    row = re.search(rf"{re.escape(title)}</a>.*?</tr>", html, re.S).group(0)
    return re.findall(r'<td class="align-text-right">([^<]*)</td>', row)[1]


def _results_table(html: str) -> str:
    return re.search(r'data-testid="respondents">(\d+)<', html).group(1) + "".join(
        re.findall(r"<table.*?</table>", html, re.S)
    )


def test_two_servers_share_sessions_register_and_results(
    servers, roles, org, open_round, instruments
):
    one, two = servers
    browser = Browser()
    # A session begun on one server is known to the other, and so is its end.
    status, _l, _h = browser.post(
        one, "/konto/log-ind/", {"username": "konsulent", "password": PASSWORD}
    )
    assert status == 302
    assert "Log ud" in browser.request(two, "GET", "/")[2]

    # The register, read (and its burden cached) on both, changed through one.
    item = make_item(
        title="Ugentlig tavlemøde-dokumentation",
        kind=Kind.DOCUMENTATION,
        layer=Layer.INSTITUTION,
        units=[org.care_home],
        minutes_per_occurrence=Decimal(6),
        occurrences_per_year=Decimal(50),
    )
    people = Person.objects.filter(unit__path__startswith=org.care_home.path).count()
    before = [_hours(browser.request(s, "GET", "/styring/")[2], item.title) for s in servers]
    assert before == [f"{6 * 50 * people // 60}"] * 2
    status, _l, _h = browser.post(
        two,
        f"/styring/punkter/{item.pk}/aktiviteter/",
        {
            "name": "Udfylde skema",
            "minutes_per_occurrence": "12",
            "occurrences_per_year": "50",
            "performed_by": "employees",
            "basis": "estimate",
        },
        token_from=f"/styring/punkter/{item.pk}/",
    )
    assert status == 302
    after = [_hours(browser.request(s, "GET", "/styring/")[2], item.title) for s in servers]
    # The activity replaces the item's own estimate: twice the time, on both servers.
    assert after == [f"{12 * 50 * people // 60}"] * 2

    # A round's results: nothing shown while it is open, the same figures on both once
    # it is closed through the other.
    round_, tokens = open_round
    for external_id in ["N0", "N1", "N2", "N3", "N4", "N5"]:
        compass_services.submit_response(
            token=tokens[external_id],
            answers=dict.fromkeys(answers_for(instruments.employee), "4"),
        )
    results = f"/tillidskompas/runder/{round_.pk}/resultater/{org.care_home.pk}/"
    assert 'data-testid="respondents"' not in browser.request(one, "GET", results)[2]
    status, _l, _h = browser.post(
        two,
        f"/tillidskompas/runder/{round_.pk}/luk/",
        {},
        token_from=f"/tillidskompas/runder/{round_.pk}/",
    )
    assert status == 302
    pages = [browser.request(s, "GET", results)[2] for s in (one, two, one)]
    tables = [_results_table(page) for page in pages]
    assert tables[0].startswith("6")
    assert tables[0] == tables[1] == tables[2]

    # Logging out on one server ends the session on both.
    status, _l, _h = browser.post(one, "/konto/log-ud/", {}, token_from="/")
    assert status == 302
    status, location, _h = browser.request(two, "GET", "/styring/")
    assert status == 302
    assert location.startswith("/konto/log-ind/")
