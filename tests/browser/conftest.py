"""Browser tests: Playwright drives Debian's chromium against pytest-django's live server.

Every test in this folder is marked ``browser`` automatically (``-m "not browser"``
leaves them out). Each pytest-xdist worker gets its own live server (on a free
port) and its own chromium; ``live_server`` flushes the database after each
test, so create the data a test needs inside it (``org``/``roles`` do).

Fixtures
    browser        one headless chromium per session (per xdist worker)
    make_page      ``make_page(**context_options) -> Page``: a new browser context
                   (own cookies) and page, based at the live server, Danish
                   (locale da-DK) on a desktop viewport unless overridden; closed
                   after the test. Use it for several users in one test.
    page           ``make_page()``: desktop, Danish
    phone_page     ``make_page(**PHONE)``: 390×844, mobile, touch
    org, roles, make_user, person_user   the shared fixtures of tillid.conftest
    demo_municipality   ``manage.py demo_municipality`` at its smallest (300 people)
                   with every module's demo data; returns the demo logins by role
                   (administrator, consultant, leader, employee, politician,
                   med_tr, hr, and ``nobody``: a login with no role), all with
                   the password DEMO_PASSWORD

Helpers (``from tests.browser.conftest import login, assert_accessible, ...``)
    login(page, live_server, user, password=PASSWORD)   logs in through the login form
    axe(page) -> list[dict]                 axe-core violations (WCAG 2.0/2.1 A+AA)
    serious(violations) -> list[dict]       only the serious and critical ones
    describe(violations) -> str             a readable summary for a failure message
    assert_accessible(page, label)          fails on a serious/critical violation
    screenshot(page, name) -> Path          full-page PNG in test-artifacts/screenshots/
    js_errors(page) -> list[str]            uncaught JavaScript errors on the page so far

Pages use relative URLs: ``page.goto(reverse("organisation:tree"))``.
"""

import os
import re
import weakref
from io import StringIO
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import Page, sync_playwright

# The fixtures of the app tests, for the browser tests too.
from tillid.conftest import make_user, org, person_user, roles  # noqa: F401
from tillid.organisation import services as organisation_services
from tillid.organisation.demo import MIN_EMPLOYEES
from tillid.organisation.management.commands.demo_municipality import DEMO_PASSWORD
from tillid.organisation.testing import PASSWORD

# Playwright's sync API runs an event loop in the test thread; Django would
# otherwise refuse database access from it (SynchronousOnlyOperation).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = os.environ.get("TILLID_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 1,
    "is_mobile": True,
    "has_touch": True,
}
LOCALE = "da-DK"
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SERIOUS = ("serious", "critical")


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


_JS_ERRORS: "weakref.WeakKeyDictionary[Page, list[str]]" = weakref.WeakKeyDictionary()


@pytest.fixture
def make_page(browser, live_server):
    contexts = []

    def make(**options) -> Page:
        options = {"locale": LOCALE, **DESKTOP, "base_url": live_server.url, **options}
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        _JS_ERRORS[page] = errors
        page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(make_page) -> Page:
    return make_page()


@pytest.fixture
def phone_page(make_page) -> Page:
    return make_page(**PHONE)


DEMO_LOGINS = {
    "administrator": "admin",
    "consultant": "konsulent",
    "leader": "leder",
    "employee": "medarbejder",
    "politician": "politiker",
    "med_tr": "tr",
    "hr": "hr",
}


@pytest.fixture
def demo_municipality(db) -> SimpleNamespace:
    """The demo municipality with every module's demo data; its logins by role."""
    call_command("demo_municipality", employees=MIN_EMPLOYEES, seed=2026, stdout=StringIO())
    User = get_user_model()
    users = {role: User.objects.get(username=name) for role, name in DEMO_LOGINS.items()}
    users["nobody"] = User.objects.create_user(username="ingen", password=DEMO_PASSWORD)
    # An administrator has checked the sample organisation file, so the import
    # history links to an import's status page (reached otherwise only after an upload).
    samples = Path(settings.BASE_DIR) / "docs" / "samples"
    record = organisation_services.create_import(
        files=[("organisation.xlsx", (samples / "organisation.xlsx").read_bytes())],
        dry_run=True,
        user=users["administrator"],
    )
    organisation_services.run_import(import_id=record.pk)
    return SimpleNamespace(**users)


def js_errors(page: Page) -> list[str]:
    return list(_JS_ERRORS.get(page, []))


def login(page: Page, live_server, user, password: str = PASSWORD) -> None:
    """Log in through the login form as a real user would; ends on the front page."""
    page.goto(f"{live_server.url}{reverse('login')}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    login_path = reverse("login")
    assert login_path not in page.url, f"login as {user.username} failed: still on {page.url}"


_AXE_SOURCE: str | None = None


def _axe_source() -> str:
    global _AXE_SOURCE
    if _AXE_SOURCE is None:
        _AXE_SOURCE = (Path(settings.NODE_MODULES) / "axe-core" / "axe.min.js").read_text()
    return _AXE_SOURCE


def axe(page: Page, *, tags: list[str] | None = None) -> list[dict]:
    """Run axe-core on the page as it is now; returns its violations."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(content=_axe_source())
    return page.evaluate(
        """async (tags) => {
            const result = await window.axe.run(document, {
                runOnly: {type: 'tag', values: tags},
                resultTypes: ['violations'],
            });
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({
                    target: n.target.map(String), html: n.html, summary: n.failureSummary,
                })),
            }));
        }""",
        tags or AXE_TAGS,
    )


def serious(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in SERIOUS]


def describe(violations: list[dict], *, targets: int = 3) -> str:
    lines = []
    for v in violations:
        where = ", ".join(" ".join(n["target"]) for n in v["nodes"][:targets])
        more = len(v["nodes"]) - targets
        lines.append(
            f"  [{v['impact']}] {v['id']}: {v['help']} — {where}"
            + (f" (+{more} more)" if more > 0 else "")
        )
    return "\n".join(lines)


def assert_accessible(page: Page, label: str) -> list[dict]:
    """Fail with a readable summary when axe finds a serious or critical violation.

    Returns every violation (minor and moderate ones included) for the caller to log.
    """
    violations = axe(page)
    bad = serious(violations)
    if bad:
        pytest.fail(f"axe found serious problems on {label} ({page.url}):\n{describe(bad)}")
    return violations


def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """Save a screenshot as test-artifacts/screenshots/<name>.png.

    A full-page shot briefly resizes the viewport, which fires the page's resize
    handlers; pass full_page=False where one of them would change the state (the
    DKFDS drawer closes itself on resize when it believes it is off-screen).
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "page"
    path = SCREENSHOTS / f"{safe}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
