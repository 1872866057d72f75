"""Trust dosing end to end in the browser: dose → trust test → breach →
repair → adjusted dosing, and the person reading their own records."""

import datetime as dt

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, js_errors, login
from tillid.delegation.models import Breach, Dosing

pytestmark = pytest.mark.django_db(transaction=True)

REVIEW = (dt.date.today() + dt.timedelta(days=60)).isoformat()


def _click(page, selector):
    # A select change redraws the suggestion through htmx; let that swap land
    # before submitting, or the click can hit the form being replaced.
    page.wait_for_load_state("networkidle")
    with page.expect_navigation():
        page.click(selector)


def test_dose_trust_test_breach_repair_adjust(make_page, live_server, org, roles):
    person = org.people["P2"]
    leader = make_page()
    login(leader, live_server, roles.leader)
    leader.goto(reverse("delegation:home"))
    assert_accessible(leader, "the trust dosing overview")
    _click(leader, f"a[href='{reverse('delegation:person', args=[person.pk])}']")
    _click(leader, "a:has-text('Dosér tillid')")

    # 1. Dose: rate, see the suggestion (live and on submit), choose a step.
    leader.fill("#id_task", "Selv planlægge weekendvagter")
    leader.select_option("#id_competence", "4")
    leader.select_option("#id_intention", "4")
    leader.select_option("#id_resources", "3")
    leader.select_option("#id_consequence", "2")
    leader.select_option("#id_reversibility", "2")
    # htmx redraws the suggestion on every change.
    expect(leader.locator("#suggestion")).to_contain_text("Foreslået trin: 3")
    assert_accessible(leader, "the dosing form")
    _click(leader, "main form button.button-primary")
    assert leader.input_value("#id_chosen_step") == "3"
    leader.fill("#id_review_on", REVIEW)
    _click(leader, "main form button.button-primary")
    dosing = Dosing.objects.get()
    assert dosing.chosen_step == 3

    # 2. A trust test one step up, planned from the person's page.
    _click(leader, "a:has-text('Planlæg en tillidstest')")
    assert leader.input_value("#id_step_to") == "4"
    leader.select_option("#id_risk", "medium")
    _click(leader, "main form button.button-primary")
    # The outcome belongs to a test that has been tried: start it first.
    assert "Sæt tillidstesten i gang" in leader.inner_text("[data-testid=trust-outcome-waiting]")
    _click(leader, "button:has-text('Sæt tillidstesten i gang')")
    leader.select_option("#id_outcome-outcome", "not_held")
    leader.fill("#id_outcome-note", "Planen kom for sent ud")
    _click(leader, "main form button.button-primary")
    assert leader.inner_text("#trust-outcome").startswith("Tilliden holdt ikke")

    # 3. The breach, against the dosing it concerns.
    leader.goto(reverse("delegation:person", args=[person.pk]))
    _click(leader, f"a[href='{reverse('delegation:breach_new', args=[dosing.pk])}']")
    leader.fill("#id_what_happened", "Weekendplanen kom ud to dage for sent")
    leader.check("#id_cause_resources")
    _click(leader, "main form button.button-primary")
    breach = Breach.objects.get()

    # 4. Repair as learning.
    leader.check("#id_shared_own_mistakes")
    leader.check("#id_explored_both_sides")
    leader.check("#id_learning_over_blame")
    leader.select_option("#id_outcome", "strengthened")
    leader.fill("#id_lesson", "Aftal en fast frist for vagtplanen")
    leader.check("#id_lesson_shared")
    assert_accessible(leader, "the breach page")
    _click(leader, "main form button.button-primary")
    assert leader.inner_text("#breach-outcome") == "Tilliden er styrket"

    # 5. The adjusted dosing, linked to the breach.
    _click(leader, "a:has-text('Justér doseringen')")
    leader.select_option("#id_resources", "2")
    _click(leader, "main form button.button-primary")
    leader.fill("#id_reason", "Vi tager et trin ad gangen igen")
    leader.fill("#id_review_on", REVIEW)
    _click(leader, "main form button.button-primary")
    breach.refresh_from_db()
    assert breach.adjusted_dosing is not None
    assert breach.adjusted_dosing.chosen_step == 1 or breach.adjusted_dosing.reason

    # The history: a chart (drawn by vega-embed) and a table of the same figures.
    leader.goto(reverse("delegation:person", args=[person.pk]))
    leader.wait_for_selector("#trust-chart svg")
    table = leader.inner_text("#history-table")
    for kind in ("Vurdering", "Tillidstest", "Brud", "Justeret efter et brud"):
        assert kind in table
    assert_accessible(leader, "the person's trust history")

    # 6. The person sees their own records and who read them.
    own = make_page()
    login(own, live_server, roles.employee)
    own.goto(reverse("delegation:mine"))
    assert "Mette Hansen" in own.inner_text("main")  # in the read log
    for page in (leader, own):
        assert not js_errors(page)
