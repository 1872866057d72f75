"""The trust compass in a real browser: answering on a phone from an invitation
link, and a leader who sees only the count below k and the results from k on.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, js_errors, login
from tillid.compass import mailing as sender
from tillid.compass import services
from tillid.compass.models import Invitation, Response
from tillid.organisation.models import Person


@pytest.fixture
def survey(org, roles):
    """An open round for Plejecenter Egely (k = 5) and every invitee's token."""
    Person.objects.bulk_create(
        Person(external_id=f"N{i}", name=f"Nord {i}", email=f"n{i}@egeskov.dk", unit=org.team_north)
        for i in range(6)
    )
    employee, leader = services.ensure_default_instruments()
    today = timezone.localdate()
    round_ = services.open_round(
        name="Efterår",
        instrument=employee,
        leader_instrument=leader,
        root=org.care_home,
        opens_on=today,
        closes_on=today + timedelta(days=14),
        min_group=5,
        min_comment_group=8,
        send_email=False,
    )
    # Without e-mail every invitation is a letter; printing them makes the links.
    issued = [letter.token for letter in services.issue_letters(round_=round_)]
    by_hash = {services.token_hash(t): t for t in issued}
    tokens = {
        inv.person.external_id: by_hash[inv.token_hash]
        for inv in Invitation.objects.filter(round=round_).select_related("person")
    }
    return round_, tokens


def test_answer_on_a_phone_from_the_link(phone_page, live_server, survey):
    _round, tokens = survey
    page = phone_page
    url = reverse("compass:answer", args=[tokens["N0"]])
    page.goto(url)
    expect(page.locator("h1")).to_have_text("Tillidskompasset")
    assert_accessible(page, "the answering page on a phone")
    # The page fits the phone: no sideways scrolling.
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    fieldsets = page.locator("fieldset.tillid-question")
    count = fieldsets.count()
    assert 0 < count < 55  # the first of the short pages
    # Answer the first three, reload: the answers are still there.
    for i in range(3):
        fieldsets.nth(i).get_by_label("Enig", exact=True).check()
    page.reload()
    for i in range(3):
        assert fieldsets.nth(i).locator("input[value='4']").is_checked()
    # Answer the rest ("don't know" for one), page by page, and send.
    start = 3
    while True:
        for i in range(start, fieldsets.count()):
            label = "Ved ikke" if (start == 3 and i == 10) else "Helt enig"
            fieldsets.nth(i).get_by_label(label, exact=True).check()
        start = 0
        next_button = page.get_by_role("button", name="Næste")
        if not next_button.count():
            break
        with page.expect_navigation():
            next_button.click()
    page.fill("#id_comment", "Vi har fået mere frihed.")
    with page.expect_navigation():
        page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Tak for dine svar")
    assert_accessible(page, "the thank-you page on a phone")
    assert (
        page.evaluate(
            "() => Object.keys(localStorage).filter(k => k.startsWith('tillid-kompas-')).length"
        )
        == 0
    )
    stored = Response.objects.get()
    assert stored.answers["cul1"] == 4
    assert stored.answers["str1"] == 5
    assert stored.comment == "Vi har fået mere frihed."
    # The link works once.
    page.goto(url)
    expect(page.get_by_role("alert")).to_contain_text("allerede blevet brugt")
    assert js_errors(page) == []


def test_leader_sees_nothing_below_k_and_results_from_k(page, live_server, survey, roles):
    round_, tokens = survey
    answers = {"cul1": 4, "cul2": 5, "cul3": 4, "str1": 3, "str2": 4, "str3": 2}
    for ext in ("N0", "N1", "N2", "N3"):
        services.submit_response(token=tokens[ext], answers=answers)
    services.close_round(round_=round_)
    login(page, live_server, roles.leader)
    page.goto(reverse("compass:results", args=[round_.pk, roles.leader.person.unit_id]))
    # Below k neither figures nor the count (issue 15): "Skjult" for both.
    expect(page.get_by_test_id("respondents")).to_have_text("Skjult")
    expect(page.get_by_test_id("too-few")).to_contain_text("Der vises ingen tal for denne enhed")
    assert page.locator("#elements-chart").count() == 0
    assert page.locator("table").count() == 1  # only the sub-units, all hidden
    assert_accessible(page, "results below k")
    # Reopen, a fifth answer arrives, close again: now the leader sees results.
    round_.closed_early = False
    round_.save()
    services.submit_response(token=tokens["N4"], answers=answers)
    services.close_round(round_=round_)
    page.reload()
    expect(page.get_by_test_id("respondents")).to_have_text("5")
    expect(page.get_by_test_id("strongest-weakest")).to_contain_text("Stærkest")
    expect(page.locator("#elements-chart svg")).to_be_visible()
    page.locator("#elements-chart").screenshot(path="/tmp/fw-elements-chart.png")
    assert_accessible(page, "results with the chart of the four elements")
    table = page.get_by_role(
        "table", name="De fire elementer (tabellen viser de samme tal som figuren)"
    )
    expect(table).to_contain_text("Tillidskultur")
    assert_accessible(page, "results from k")
    assert js_errors(page) == []


def _open_for_consultant(org):
    employee, _leader = services.ensure_default_instruments()
    Person.objects.bulk_create(
        Person(external_id=f"E{i}", name=f"Elev {i}", email=f"e{i}@egeskov.dk", unit=org.team_north)
        for i in range(6)
    )
    today = timezone.localdate()
    return services.open_round(
        name="Udsendelse",
        instrument=employee,
        root=org.care_home,
        opens_on=today,
        closes_on=today + timedelta(days=14),
        base_url="http://testserver/",
    )


def test_the_round_page_follows_the_sending_live(page, live_server, org, roles, monkeypatch):
    # The worker has not started yet when the consultant looks.
    monkeypatch.setattr(services, "_enqueue_after_commit", lambda mailing: None)
    round_ = _open_for_consultant(org)
    mailing = round_.mailings.get()
    login(page, live_server, roles.consultant)
    page.goto(reverse("compass:round", args=[round_.pk]))
    status = page.locator("#mailing-status")
    expect(status).to_contain_text(f"0 af {mailing.total} behandlet")
    assert_accessible(page, "the round page while e-mails wait")
    sender.deliver_mailing(mailing_id=mailing.pk)  # the worker runs meanwhile
    # htmx polls the status and the page shows the outcome without a reload.
    expect(status).to_contain_text(f"{mailing.total} sendt, 0 kunne ikke leveres", timeout=10_000)
    assert page.locator("#mailing-progress").count() == 0
    assert js_errors(page) == []


def test_failed_e_mails_become_letters(page, live_server, org, roles, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nobody listens: every try fails
    settings.EMAIL_TIMEOUT = 2
    round_ = _open_for_consultant(org)
    failed = Invitation.objects.filter(round=round_, delivery="failed").count()
    assert failed >= 6
    login(page, live_server, roles.consultant)
    page.goto(reverse("compass:round", args=[round_.pk]))
    page.get_by_role("link", name=f"Se de {failed} mislykkede e-mails").click()
    expect(page.locator("h1")).to_have_text("Mislykkede e-mails")
    assert_accessible(page, "the failed e-mails")
    page.get_by_label("Vælg Elev 0").check()
    page.get_by_role("button", name="Udskriv breve i stedet").click()
    expect(page.locator("h1")).to_have_text("1 brev")
    assert Invitation.objects.filter(round=round_, delivery="failed").count() == failed - 1
    assert js_errors(page) == []
