"""Every page, every role: no server error, no broken link, no serious axe violation,
and no page that nobody can reach.

The data is the demo municipality (``demo_municipality`` fixture: the organisation,
the demo logins and every module's demo data), so pages with parameters — a
unit, a governance item, a trial — are reached through links like a user would.

``test_every_page[<role>]`` (one test per role, so pytest-xdist spreads them):
the browser logs in through the login form (or not, for the anonymous visitor)
and crawls breadth-first from the front page, following same-origin links (GET
only; not /admin/, /api/, /static/, /i18n/, log-out, mailto). A page is
identified by its URL pattern (``namespace:name``); at most MAX_PER_ROUTE URLs
are opened per pattern (files such as PDF and XLSX are left to the coverage
crawl). Each page is screenshot and checked with axe-core after every
``<details>`` is opened, so htmx-loaded content (the organisation tree) is
checked too; to keep the run short, a page with the same kinds of elements as
a page of the same pattern already checked (by another role, in this worker)
is not checked again (see VARIANT). Then each parameterless GET route the role has not seen
is opened directly: a role without access must get the Danish 403 page,
accessible, never a 500. Every status is recorded; allowed are 200 and 403
(and redirects). Uncaught JavaScript errors fail the test too.

``test_every_route_is_reached_through_links``: the coverage check, in-process
with Django's test client (no browser, fast). As every role, it follows
``href`` and ``hx-get`` links from the front page; every named GET route of
Tillid's own URLconfs (found by walking the resolver; POST-only views are
recognised from ``require_POST``/``require_http_methods`` or a class-based
view's ``http_method_names``) must answer 200 to at least one role. So a new
page that no link leads to fails the suite; a page reached only by a link sent
by e-mail (or similar) goes in NOT_CRAWLED, with the reason.

Artifacts: test-artifacts/screenshots/every-page--<role>--<route>.png and
test-artifacts/every-page/<role>.json (route → status, URL and how it was reached).
"""

import json
import re
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.exceptions import Resolver404
from django.utils import translation
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from tests.browser.conftest import (
    ARTIFACTS,
    DEMO_PASSWORD,
    axe,
    describe,
    js_errors,
    login,
    screenshot,
    serious,
)
from tillid.core.tests.test_translations import english_words

ANONYMOUS = "anonymous"
ROLES = [
    ANONYMOUS,
    "administrator",
    "consultant",
    "leader",
    "employee",
    "politician",
    "med_tr",
    "hr",
    "nobody",
]
MAX_PER_ROUTE = 1  # URLs opened per pattern and role in the browser
MAX_PER_ROUTE_COVERAGE = 3  # ... and by the (cheap) coverage crawl
# Files, not pages: the browser leaves them to the coverage crawl.
FILE_SUFFIXES = (".pdf", ".xlsx", ".csv", ".json", ".zip", ".png", ".svg")
SKIP_PREFIXES = ("/admin/", "/api/", "/static/", "/media/", "/i18n/", "/oidc/")
# Routes that answer GET but that no link in Tillid leads to, with the reason.
NOT_CRAWLED: dict[str, str] = {
    "compass:answer": "reached from the one-time invitation link each respondent gets by e-mail",
    "compass:new_code": (
        "reached after asking for a new code, a POST (tests/browser/test_answering.py checks it)"
    ),
    "compass:answer_thanks": "reached by answering (tests/browser/test_compass.py checks it)",
    "compass:round_mailing": (
        "polled by htmx only while a round's e-mails are being sent "
        "(tests/browser/test_compass.py checks it)"
    ),
    "overview:report": (
        "reached by asking for a council report (a POST from the overview; "
        "tests/browser/test_overview.py checks it)"
    ),
    "overview:report_file": (
        "the council report's files, linked from its status page once made "
        "(tests/browser/test_overview.py downloads the PDF)"
    ),
}
# Statuses a page reached by a link may have (403: the role lacks access).
OK_STATUSES = {200, 403}


# -- the routes -----------------------------------------------------------------


def _methods(callback) -> set[str] | None:
    """The HTTP methods a view accepts, or None for any."""
    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        return {
            m.upper()
            for m in view_class.http_method_names
            if m == "options" or hasattr(view_class, m)
        }
    func = callback
    while func is not None:
        code = getattr(func, "__code__", None)
        if code is not None and "request_method_list" in code.co_freevars:
            cell = func.__closure__[code.co_freevars.index("request_method_list")]
            return {m.upper() for m in cell.cell_contents}
        func = getattr(func, "__wrapped__", None)
    return None


def _walk(patterns, namespace: str = "", prefix: str = ""):
    for p in patterns:
        if isinstance(p, URLResolver):
            module = p.urlconf_name if not isinstance(p.urlconf_name, list) else None
            if module is None or not getattr(module, "__name__", "").startswith("tillid."):
                continue  # admin, api, i18n, oidc: not Tillid's pages
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _walk(p.url_patterns, ns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern) and p.name:
            yield f"{namespace}{p.name}", prefix + str(p.pattern), p.callback


def get_routes() -> dict[str, str]:
    """Tillid's named routes that answer GET: view name → URL pattern."""
    routes = {}
    for name, pattern, callback in _walk(get_resolver().url_patterns):
        methods = _methods(callback)
        if methods is None or "GET" in methods:
            routes[name] = pattern
    return routes


def route_of(url: str) -> str | None:
    try:
        return resolve(urlsplit(url).path).view_name
    except Resolver404:
        return None


def crawlable(url: str, origin: str) -> str | None:
    """The URL without its fragment if the crawl should follow it, else None."""
    url, _fragment = urldefrag(url)
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != origin:
        return None
    if parts.path.startswith(SKIP_PREFIXES) or parts.path == reverse("logout"):
        return None
    return url


# -- what a crawl found ---------------------------------------------------------


@dataclass
class Visit:
    url: str
    status: int
    via: str  # "link", "htmx", "direct", or "redirect" (a URL that redirected elsewhere)


@dataclass
class Crawl:
    role: str
    visits: dict[str, list[Visit]] = field(default_factory=lambda: defaultdict(list))
    problems: list[str] = field(default_factory=list)
    checked: set[str] = field(default_factory=set)
    axed: set[str] = field(default_factory=set)
    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))

    def record(self, route: str | None, visit: Visit) -> None:
        self.visits[route or "(no route)"].append(visit)
        if visit.via == "redirect":
            return
        if visit.status >= 500 or (visit.via != "direct" and visit.status not in OK_STATUSES):
            self.problems.append(f"{visit.status} at {visit.url} ({visit.via})")

    def reached(self) -> set[str]:
        return {
            route
            for route, visits in self.visits.items()
            if any(v.status == 200 and v.via in ("link", "htmx") for v in visits)
        }

    def timed(self, what: str, started: float) -> None:
        self.seconds[what] += time.perf_counter() - started

    def write(self) -> None:
        folder = ARTIFACTS / "every-page"
        folder.mkdir(parents=True, exist_ok=True)
        report = {
            route: [{"url": v.url, "status": v.status, "via": v.via} for v in visits]
            for route, visits in sorted(self.visits.items())
        }
        (folder / f"{self.role}.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))


# -- the browser crawl ----------------------------------------------------------

OPEN_DETAILS = """async () => {
    // Open every <details>, level by level, and wait for the htmx requests they start.
    let pending = 0;
    const started = () => { pending++; };
    const done = () => { pending--; };
    document.addEventListener('htmx:beforeRequest', started);
    document.addEventListener('htmx:afterRequest', done);
    const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));
    for (let depth = 0; depth < 8; depth++) {
        const closed = [...document.querySelectorAll('details:not([open])')];
        if (!closed.length) break;
        closed.forEach(d => { d.open = true; });
        await sleep(50);  // the toggle events come asynchronously
        for (let i = 0; i < 400 && pending > 0; i++) await sleep(25);
        await sleep(30);  // htmx settles the swapped content
    }
    document.removeEventListener('htmx:beforeRequest', started);
    document.removeEventListener('htmx:afterRequest', done);
}"""


def _danish(msgid: str) -> str:
    with translation.override("da"):
        return translation.gettext(msgid)


# What kinds of elements a page has (tag, classes, role, ARIA attributes, empty or
# not, and the parent's tag), as a set: the same page shown to another role, or
# with other rows in its tables, has the same kinds and is not checked again.
VARIANT = """() => {
    const kinds = new Set();
    for (const el of document.body.querySelectorAll('*')) {
        const aria = [...el.attributes].filter(a => a.name.startsWith('aria-')).map(a => a.name);
        const empty = el.children.length === 0 && el.textContent.trim() === '';
        kinds.add([el.parentElement.tagName, el.tagName, el.getAttribute('class') || '',
                   el.getAttribute('role') || '', aria.sort().join(','), empty].join('|'));
    }
    return [...kinds].sort().join('\\n');
}"""
# Page variants checked by this worker (all roles): route → variant fingerprints.
_CHECKED: dict[str, set[int]] = defaultdict(set)


def check_page(page: Page, crawl: Crawl, route: str, status: int) -> None:
    """Screenshot and axe, once per route (and once for the 403 page) per role, and
    only when no role before showed the same variant of the page."""
    key = route if status == 200 else f"status-{status}"
    if key in crawl.checked:
        return
    crawl.checked.add(key)
    started = time.perf_counter()
    page.evaluate(OPEN_DETAILS)
    if status == 403:
        lang = page.locator("html").get_attribute("lang")
        heading = page.locator("main h1").inner_text()
        if lang != "da" or heading != _danish("You do not have access to this page"):
            crawl.problems.append(
                f"403 at {page.url} is not the Danish 403 page (lang={lang}, h1={heading!r})"
            )
    variant = hash(page.evaluate(VARIANT))
    crawl.timed("open and compare", started)
    if variant in _CHECKED[key]:
        return
    _CHECKED[key].add(variant)
    crawl.axed.add(key)
    started = time.perf_counter()
    screenshot(page, f"every-page--{crawl.role}--{key.replace(':', '-')}")
    crawl.timed("screenshot", started)
    started = time.perf_counter()
    bad = serious(axe(page))
    crawl.timed("axe", started)
    if bad:
        crawl.problems.append(f"axe on {route} ({page.url}):\n{describe(bad)}")


def open_url(page: Page, url: str) -> tuple[int, str]:
    """Go to url; the final status and URL (after redirects). Downloads are fetched instead."""
    try:
        response = page.goto(url, wait_until="load")
    except PlaywrightError as error:
        if "Download is starting" not in str(error) and "ERR_ABORTED" not in str(error):
            raise
        response = page.context.request.get(url)
        return response.status, response.url
    return (response.status if response else 0), page.url


def _is_html(page: Page) -> bool:
    return page.evaluate("() => document.contentType") == "text/html"


def browse(page: Page, origin: str, crawl: Crawl) -> None:
    def on_response(response):
        if response.request.resource_type in ("xhr", "fetch") and response.url.startswith(origin):
            crawl.record(route_of(response.url), Visit(response.url, response.status, "htmx"))

    page.on("response", on_response)
    queue = deque([f"{origin}/"])
    seen = {f"{origin}/"}
    per_route: dict[str | None, int] = defaultdict(int)
    while queue:
        url = queue.popleft()
        route = route_of(url)
        if per_route[route] >= MAX_PER_ROUTE:
            continue
        per_route[route] += 1
        started = time.perf_counter()
        status, final_url = open_url(page, url)
        crawl.timed("load", started)
        final_route = route_of(final_url)
        if final_url != url:
            crawl.record(route, Visit(url, 302, "redirect"))
            if final_url in seen:
                continue  # the page it led to is visited anyway
            seen.add(final_url)
        crawl.record(final_route, Visit(final_url, status, "link"))
        if final_route is None or not _is_html(page):
            continue
        check_page(page, crawl, final_route, status)
        for href in page.eval_on_selector_all(
            "a[href]:not([download])", "links => links.map(a => a.href)"
        ):
            target = crawlable(href, origin)
            if target and urlsplit(target).path.endswith(FILE_SUFFIXES):
                continue
            if target and target not in seen:
                seen.add(target)
                queue.append(target)
    page.remove_listener("response", on_response)


def probe(page: Page, origin: str, crawl: Crawl, routes: dict[str, str]) -> None:
    """Open each parameterless route the role has not seen; no 500, 403 page accessible."""
    for name, pattern in sorted(routes.items()):
        if "<" in pattern or name in crawl.visits:
            continue
        url = f"{origin}{reverse(name)}"
        started = time.perf_counter()
        status, final_url = open_url(page, url)
        crawl.timed("load", started)
        if final_url != url:
            crawl.record(name, Visit(url, 302, "redirect"))
            name = route_of(final_url)
        crawl.record(name, Visit(final_url, status, "direct"))
        if status == 403:
            check_page(page, crawl, name, status)
        elif status != 200:
            crawl.problems.append(f"{status} when opening {url} directly")


# -- the coverage crawl (Django's test client) ---------------------------------


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[tuple[str, bool]] = []  # (url, is htmx)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append((attrs["href"], False))
        if attrs.get("hx-get"):
            self.links.append((attrs["hx-get"], True))


class _Text(HTMLParser):
    """The text a reader sees: no scripts, styles or attributes."""

    HIDDEN: tuple[str, ...] = ("script", "style")

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        self._hidden += tag in self.HIDDEN

    def handle_endtag(self, tag):
        self._hidden -= tag in self.HIDDEN and self._hidden > 0

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


# Pages in English on purpose or by Django itself: the API's Swagger UI, the admin.
NOT_DANISH_PREFIXES = ("/api/", "/admin/")


def english_on_page(url: str, html: str) -> str:
    """A problem when a Danish page shows English words (tillid.core.tests.test_translations)."""
    if urlsplit(url).path.startswith(NOT_DANISH_PREFIXES):
        return ""
    reader = _Text()
    reader.feed(html)
    found = english_words(" ".join(reader.parts))
    return f"English on a Danish page {url}: {sorted(found)}" if found else ""


class _VisibleText(_Text):
    """The text a reader sees as prose: besides scripts and styles, no code, preformatted
    text or form values (a textarea holds what the user typed, an input's value is an
    attribute), where a number is data, not a figure to read."""

    HIDDEN = ("script", "style", "code", "pre", "textarea")

    def handle_data(self, data):
        # Parts joined by a line break so a number never runs into the next element's.
        if not self._hidden:
            self.parts.append(data + "\n")


# A run of digits with the separators that may sit inside a number. Digits glued to a
# letter, or to a letter and a hyphen, are codes, not figures: item codes ("A1",
# "EMP1234"), references ("STY-00012"), names ("Windows-1252", "UTF-8").
_NUMBER = re.compile(r"(?<![\w.,:])(?<![^\W\d_]-)\d[\d.,:]*(?![\w])")
# A standard's version is a name, not a decimal.
_VERSIONED_NAMES = re.compile(r"WCAG \d(\.\d)*")
# Right in Danish: groups of three after a point, a decimal comma ("3.000", "4,5", "12").
_DANISH = re.compile(r"\d{1,3}(\.\d{3})*(,\d+)?")
# Codes and dates written with points: KLE numbers ("27.12.04", the group "27.12",
# always two digits each side) and dates ("03.12.2026") have groups of one or two digits
# (a year of four), never of three. So a decimal point with two digits either side
# ("12.50") passes for a KLE group; "4.5", "0.25" and "123.4" do not.
_DOTTED_CODE = re.compile(r"\d{2}\.\d{2}|\d{1,2}\.\d{1,2}\.(\d{2}|\d{4})")


def _wrong_number(token: str) -> bool:
    """Whether one number (a token of _NUMBER) is not written the Danish way."""
    token = token.rstrip(".,:")  # the end of a sentence or a list
    if ":" in token:
        return False  # a time, "10:30" (or a ratio)
    if _DANISH.fullmatch(token) or _DOTTED_CODE.fullmatch(token):
        return False
    # A year, standing alone or in a date ("20. februar 2026"), is right; anything else is
    # four or more digits ungrouped ("3000") or has a decimal point ("4.5").
    return not (token.isdigit() and 1900 <= int(token) <= 2100)


def numbers_in_text(text: str) -> list[tuple[str, str]]:
    """The numbers in a text not written the Danish way, each with a few words around.
    A range or an ISO date ("2024-2026", "2026-12-03") is read part by part, as "-" and
    "/" are not part of _NUMBER."""
    found = []
    text = _VERSIONED_NAMES.sub("", text)
    for match in _NUMBER.finditer(text):
        if _wrong_number(match.group()):
            start, end = match.span()
            found.append((match.group(), " ".join(text[max(0, start - 25) : end + 15].split())))
    return found


def numbers_on_page(url: str, html: str) -> str:
    """A problem when a Danish page shows a number without the Danish thousands separator
    or with a decimal point (settings.USE_THOUSAND_SEPARATOR stays off, so that ids in
    attributes stay plain: templates use intcomma and floatformat:"0g")."""
    if urlsplit(url).path.startswith(NOT_DANISH_PREFIXES):
        return ""
    reader = _VisibleText()
    reader.feed(html)
    found = [
        f"{number!r} in {context!r}" for number, context in numbers_in_text("".join(reader.parts))
    ]
    return f"Numbers not in Danish format on {url}: " + "; ".join(found) if found else ""


def client_crawl(
    get: Callable, crawl: Crawl, reached: set[str], origin: str = "http://testserver"
) -> None:
    """Follow links from the front page; `reached`: patterns earlier roles reached (a file
    such as a PDF is not fetched again, a page once more only, for its links)."""
    queue = deque([(f"{origin}/", False)])
    seen = {f"{origin}/"}
    per_route: dict[str | None, int] = defaultdict(int)
    while queue:
        url, htmx = queue.popleft()
        route = route_of(url)
        is_file = urlsplit(url).path.endswith(FILE_SUFFIXES)
        if is_file and (route in reached or per_route[route]):
            continue
        # A pattern another role reached already needs one URL, for its links.
        if per_route[route] >= (1 if route in reached else MAX_PER_ROUTE_COVERAGE):
            continue
        per_route[route] += 1
        response = get(url, htmx)
        if response.status_code in (301, 302, 303, 307, 308):
            crawl.record(route, Visit(url, response.status_code, "redirect"))
            target = crawlable(urljoin(url, response["Location"]), origin)
            if target and target not in seen:
                seen.add(target)
                queue.append((target, False))
            continue
        crawl.record(route, Visit(url, response.status_code, "htmx" if htmx else "link"))
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        if problem := english_on_page(url, html):
            crawl.problems.append(problem)
        if problem := numbers_on_page(url, html):
            crawl.problems.append(problem)
        parser = _Links()
        parser.feed(html)
        for href, is_htmx in parser.links:
            target = crawlable(urljoin(url, href), origin)
            if target and target not in seen:
                seen.add(target)
                queue.append((target, is_htmx))


# -- the tests ------------------------------------------------------------------


def test_routes_are_found_and_post_only_views_left_out():
    routes = get_routes()
    assert {"home", "login", "accessibility", "organisation:tree", "organisation:unit"} <= set(
        routes
    )
    # require_POST and LogoutView (POST only) are not pages.
    assert "organisation:role_revoke" not in routes
    assert "api_token_revoke" not in routes
    assert "logout" not in routes
    assert "set_language" not in routes
    assert not any(name.startswith("admin:") for name in routes)
    assert all(not pattern.startswith(("api/", "i18n/")) for pattern in routes.values())


def test_numbers_in_text_finds_what_is_not_danish():
    text = "3000 timer, 4.5 i snit, 0.25 %, 122023 timer i alt, 1000-5000 personer"
    assert [number for number, _ in numbers_in_text(text)] == [
        "3000",
        "4.5",
        "0.25",
        "122023",
        "1000",
        "5000",
    ]
    # Danish figures, years, dates, KLE numbers, times, codes and ranges are right.
    right = (
        "3.000 timer, 122.023 timer, 4,5 i snit, 1.234,5 kr., 12 personer, 100 %, i 2026."
        " 20. februar 2026, 03.12.2026, 2026-12-03, 2024-2026, KLE 27.12.04 og 27.12,"
        " kl. 10:30, kl. 10:30:00, A1, EMP1234, v2, STY-00012, Windows-1252, WCAG 2.1."
    )
    assert numbers_in_text(right) == []
    # Inside code, scripts and form fields a number is data.
    html = (
        "<p>3.000</p><code>4000</code><pre>5000</pre><textarea>6000</textarea>"
        '<input value="7000"><script>var x = 8000;</script><p>9000</p>'
    )
    problem = numbers_on_page("/", html)
    assert "9000" in problem
    assert not any(hidden in problem for hidden in ("4000", "5000", "6000", "7000", "8000"))


def test_a_plural_count_is_grouped_the_way_the_templates_write_it():
    """blocktranslate prints its count variable ungrouped, so the templates count with
    another name and print the grouped figure under the placeholder's name (the `with`
    value is set first, so the count must not read a variable of the placeholder's name)."""
    from django.template import Context, Template

    template = Template(
        "{% load i18n humanize %}{% blocktranslate count how_many=people with n=people|intcomma %}"
        "{{ n }} person{% plural %}{{ n }} people{% endblocktranslate %}"
        " · {{ hours|floatformat:'1g' }}"
    )
    with translation.override("da"):
        text = template.render(Context({"people": 3000, "hours": 122023.45}))
    assert text.startswith("3.000 ")
    assert text.endswith(" · 122.023,5")
    assert numbers_in_text(text) == []


@pytest.mark.parametrize("role", ROLES)
def test_every_page(role, make_page, live_server, demo_municipality):
    routes = get_routes()
    crawl = Crawl(role)
    page = make_page()
    if role != ANONYMOUS:
        login(page, live_server, getattr(demo_municipality, role), DEMO_PASSWORD)
    browse(page, live_server.url, crawl)
    probe(page, live_server.url, crawl, routes)
    crawl.problems.extend(f"JavaScript error {e}" for e in js_errors(page))
    crawl.write()
    print(
        f"{role}: {len(crawl.checked)} pages, {len(crawl.axed)} new variants checked with axe;",
        {what: round(seconds, 1) for what, seconds in crawl.seconds.items()},
    )

    assert not crawl.problems, f"as {role}:\n" + "\n".join(crawl.problems)
    if role == ANONYMOUS:
        assert set(crawl.reached()) == {"login", "accessibility"}
    else:
        assert {"home", "accessibility"} <= crawl.reached()


def test_every_route_is_reached_through_links(client, demo_municipality):
    client.raise_request_exception = False  # a server error is a 500, reported below
    routes = get_routes()
    reached: set[str] = set()
    problems: list[str] = []
    for role in ROLES:
        client.logout()
        if role != ANONYMOUS:
            client.force_login(getattr(demo_municipality, role))
        crawl = Crawl(role)

        def get(url, htmx):
            return client.get(url, headers={"HX-Request": "true"} if htmx else {})

        client_crawl(get, crawl, reached)
        reached |= crawl.reached()
        problems += [f"{role}: {p}" for p in crawl.problems]
    assert not problems, "\n".join(problems)
    assert "organisation:unit" in reached  # the crawl follows links into the data
    unreached = sorted(set(routes) - reached - set(NOT_CRAWLED))
    assert not unreached, "No role reached these pages through links (status 200): " + ", ".join(
        f"{name} ({routes[name]})" for name in unreached
    )
