"""The governance loop in the browser, as the issue describes it.

A consultant registers an item, employees of the bound care home assess it,
a review involves all five role groups and ends in Fjerne, and the freed hours
show on the unit page and in its documentation balance. An anonymous red-tape
report gets its answer through the private follow-up code.
"""

import re

import pytest
from django.urls import reverse

from tests.browser.conftest import assert_accessible, js_errors, login
from tillid.governance.models import Item, ItemStatus, RoleGroup

pytestmark = pytest.mark.django_db(transaction=True)


def _submit(page):
    with page.expect_navigation():
        page.click("main form button.button-primary")


def test_register_assess_review_remove_and_red_tape(
    make_page, live_server, org, roles, person_user, settings
):
    settings.TILLID_ANONYMITY_MIN_GROUP = 3
    settings.TILLID_ANONYMITY_MIN_COMMENT_GROUP = 3

    # 1. The consultant registers the item: 10 min × 100 times × 5 people ≈ 83 hours.
    consultant = make_page()
    login(consultant, live_server, roles.consultant)
    consultant.goto(reverse("governance:item_create"))
    consultant.fill("#id_title", "Registrering af hver ydelse")
    consultant.select_option("#id_kind", "procedure")
    consultant.select_option("#id_layer", "administration")
    consultant.select_option("#id_units", [str(org.care_home.pk)])
    consultant.fill("#id_introduced_on", "2020-01-01")
    consultant.fill("#id_minutes_per_occurrence", "10")
    consultant.fill("#id_occurrences_per_year", "100")
    _submit(consultant)
    item = Item.objects.get(title="Registrering af hver ydelse")
    assert consultant.url.endswith(reverse("governance:item", args=[item.pk]))
    assert "83" in consultant.inner_text(".tillid-stat-grid")
    assert_accessible(consultant, "the item page")

    # 2. Three employees of the care home assess it (k is 3 in this test).
    for person_key, value in (("P2", "2"), ("P3", "1"), ("P4", "2")):
        user = roles.employee if person_key == "P2" else person_user(org.people[person_key])
        employee = make_page()
        login(employee, live_server, user)
        employee.goto(reverse("governance:item", args=[item.pk]))
        with employee.expect_navigation():
            employee.click(f"a[href='{reverse('governance:assess', args=[item.pk])}']")
        for question in ("professional", "learning", "involving", "meaningful"):
            employee.check(f"input[name={question}][value='{value}']")
        employee.fill("#id_comment", "Tager tid fra borgerne.")
        if person_key == "P2":
            assert_accessible(employee, "the assessment form")
        _submit(employee)
        employee.context.close()
    consultant.goto(reverse("governance:item", args=[item.pk]))
    assert "Modarbejder tilliden" in consultant.content()
    assert "Tager tid fra borgerne." in consultant.content()

    # 3. A review with all five role groups, ending in Fjerne.
    consultant.goto(reverse("governance:review_open", args=[item.pk]))
    _submit(consultant)
    assert "Ikke alle med aktier i styringen er inddraget endnu" in consultant.content()
    for group in RoleGroup.values:
        consultant.click("summary:has-text('Invitér en deltager')")
        consultant.select_option("#id_participant-role_group", group)
        consultant.fill("#id_participant-name", f"Deltager for {group}")
        with consultant.expect_navigation():
            consultant.click("form[action$='/deltagere/'] button")
    assert "Ikke alle med aktier i styringen er inddraget endnu" not in consultant.content()
    consultant.fill(
        "#id_note-text", "Ydelserne registreres også i planen; registreringen kan undværes."
    )
    with consultant.expect_navigation():
        consultant.click("form[action$='/dialog/'] button")
    assert_accessible(consultant, "the review page")
    with consultant.expect_navigation():
        consultant.click("a:has-text('Registrér beslutningen')")
    consultant.check("input[name=decision][value=remove]")
    consultant.fill("#id_rationale", "Planen viser allerede, hvad der er leveret.")
    _submit(consultant)
    assert "Beslutningen er registreret." in consultant.content()
    assert "Fjerne" in consultant.inner_text("main")
    item.refresh_from_db()
    assert item.status == ItemStatus.REMOVED

    # 4. The freed hours on the unit page and in its balance.
    consultant.goto(reverse("governance:unit", args=[org.care_home.pk]))
    assert consultant.inner_text("[data-testid=unit-hours]").strip() == "0"
    balance = consultant.inner_text("main .alert-success")
    assert re.search(r"fjernet 83 timer om året", balance), balance
    assert_accessible(consultant, "the unit page")

    # 5. An anonymous red-tape report gets its answer.
    reporter_user = person_user(org.people["P5"])
    reporter = make_page()
    login(reporter, live_server, reporter_user)
    reporter.goto(reverse("governance:red_tape_new"))
    reporter.fill("#id_title", "Tre skemaer til samme kursus")
    reporter.fill("#id_description", "Vi udfylder det samme tre gange.")
    reporter.fill("#id_minutes_per_week", "15")
    reporter.check("#id_anonymous")
    _submit(reporter)
    code = reporter.inner_text("[data-testid=follow-up-code]").strip()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", code)

    consultant.goto(reverse("governance:queue"))
    assert_accessible(consultant, "the Meningssamling queue")
    with consultant.expect_navigation():
        consultant.click("a:has-text('Tre skemaer til samme kursus')")
    consultant.select_option("#id_status", "resolved")
    consultant.fill("#id_answer", "Skemaerne er slået sammen til ét.")
    _submit(consultant)

    reporter.goto(reverse("governance:red_tape_follow_up"))
    reporter.fill("#id_code", code)
    _submit(reporter)
    assert reporter.inner_text("[data-testid=report-status]").startswith("Løst")
    assert "Skemaerne er slået sammen til ét." in reporter.inner_text("[data-testid=report-answer]")
    assert_accessible(reporter, "the follow-up page")

    # The onion chart draws without JavaScript errors.
    consultant.goto(reverse("governance:onion"))
    consultant.wait_for_selector("#onion-chart svg")
    assert js_errors(consultant) == []
