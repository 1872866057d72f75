"""An employee on a phone: the front page says a survey waits, a new link is
had without anyone learning who asked, and the questionnaire is answered page
by page with a progress bar, the draft surviving a reload."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, js_errors, login
from tillid.compass import services
from tillid.compass.models import Invitation, LinkRequest, Response


@pytest.fixture
def round_for_employee(org, roles):
    employee, leader = services.ensure_default_instruments()
    today = timezone.localdate()
    round_ = services.open_round(
        name="Forår",
        instrument=employee,
        leader_instrument=leader,
        root=org.care_home,
        opens_on=today,
        closes_on=today + timedelta(days=14),
        send_email=False,
    )
    services.issue_letters(round_=round_)  # the letter's code is lost: the employee asks anew
    return round_


def test_employee_is_told_gets_a_new_code_and_answers_page_by_page(
    phone_page, live_server, roles, round_for_employee
):
    page = phone_page
    login(page, live_server, roles.employee)
    page.goto("/")
    panel = page.locator("section.tillid-front-panel", has_text="Dit svar er ønsket")
    expect(panel).to_contain_text("Besvar tillidskompasset: Forår")
    assert_accessible(page, "the front page with a survey waiting")
    panel.get_by_role("link", name="Mistet dit link? Få et nyt").click()
    expect(page.locator("h1")).to_have_text("Dine tillidskompas-undersøgelser")
    assert_accessible(page, "the employee's surveys")
    # A new link by e-mail: a message, one e-mail, nobody recorded.
    mail.outbox = []
    page.get_by_role("button", name="Send mig et nyt link på e-mail").click()
    expect(page.locator(".tillid-messages")).to_contain_text("Et nyt link er på vej")
    assert len(mail.outbox) == 1
    # Or a new code on the screen.
    page.get_by_role("button", name="Vis mig en ny kode her").click()
    expect(page.locator("h1")).to_have_text("Din nye kode")
    assert_accessible(page, "the new code")
    code = page.get_by_test_id("new-code").inner_text()
    inv = Invitation.objects.get(round=round_for_employee, person=roles.employee.person)
    assert inv.token_hash == services.token_hash(code)
    assert LinkRequest.objects.count() == 2
    page.get_by_role("link", name="Svar nu").click()

    # The questionnaire, page by page.
    progress = page.get_by_test_id("answer-progress")
    expect(progress).to_contain_text("Side 1 af 4")
    assert page.locator("progress").get_attribute("value") == "1"
    assert_accessible(page, "the first page of questions on a phone")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    questions = page.locator("fieldset.tillid-question")
    first_count = questions.count()
    assert 0 < first_count < 55
    questions.nth(0).get_by_label("Enig", exact=True).check()
    page.reload()  # the draft is kept on the device
    assert questions.nth(0).locator("input[value='4']").is_checked()
    for i in range(1, first_count):
        questions.nth(i).get_by_label("Helt enig", exact=True).check()
    total = first_count
    for number in range(2, 5):
        page.get_by_role("button", name="Næste").click()
        expect(progress).to_contain_text(f"Side {number} af 4")
        assert page.locator("progress").get_attribute("value") == str(number)
        if number == 2:
            assert_accessible(page, "a middle page of questions")
            # Back and forth keeps what was answered.
            page.get_by_role("button", name="Tilbage").click()
            expect(progress).to_contain_text("Side 1 af 4")
            assert questions.nth(0).locator("input[value='4']").is_checked()
            page.get_by_role("button", name="Næste").click()
            expect(progress).to_contain_text("Side 2 af 4")
        count = questions.count()
        total += count
        for i in range(count):
            questions.nth(i).get_by_label("Helt enig", exact=True).check()
    assert total == 55
    assert Response.objects.count() == 0  # nothing stored before the send
    page.fill("#id_comment", "Mere tid til borgerne.")
    page.get_by_role("button", name="Send mine svar").click()
    expect(page.locator("h1")).to_have_text("Tak for dine svar")
    stored = Response.objects.get()
    assert stored.answers["cul1"] == 4
    assert len(stored.answers) == 55
    assert stored.comment == "Mere tid til borgerne."
    # The front page no longer asks.
    page.goto("/")
    expect(page.locator("main")).not_to_contain_text("Dit svar er ønsket")
    assert js_errors(page) == []
