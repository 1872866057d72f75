import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tillid.delegation.models import Breach, BreachOutcome, Dosing, DosingSource
from tillid.testing import login
from tillid.trials.models import Trial

pytestmark = pytest.mark.django_db


REVIEW = (timezone.localdate() + dt.timedelta(days=60)).isoformat()
RATINGS = {
    "task": "Selv planlægge weekendvagter",
    "competence": 4,
    "intention": 4,
    "resources": 3,
    "consequence": 2,
    "reversibility": 2,
    "review_on": REVIEW,
}


def test_dose_trust_test_breach_repair_and_adjusted_dosing(client, org, roles, person_user):
    person = org.people["P2"]
    login(client, roles.leader)
    new = reverse("delegation:dosing_new") + f"?person={person.pk}"
    # First round: the suggestion and its explanation, nothing saved yet.
    response = client.post(new, RATINGS)
    assert response.status_code == 200
    suggestion = response.context["suggestion"]
    assert suggestion.step == 3  # base 4 (largely + two fully), moderate risk −1
    assert "Den svageste forudsætning er ressourcer" in response.content.decode()
    assert not Dosing.objects.exists()
    # Choosing another step needs a reason.
    response = client.post(new, {**RATINGS, "chosen_step": 4})
    assert response.status_code == 200
    assert "skriv hvorfor" in response.content.decode()
    assert not Dosing.objects.exists()
    # ... and the review date is asked for with the choice.
    response = client.post(new, {**RATINGS, "review_on": "", "chosen_step": 3})
    assert "Vælg en dato" in response.content.decode()
    assert response.context["suggestion"].step == 3
    assert not Dosing.objects.exists()
    response = client.post(new, {**RATINGS, "chosen_step": 4, "reason": "Hun har gjort det før"})
    assert response.status_code == 302
    dosing = Dosing.objects.get()
    assert (dosing.suggested_step, dosing.chosen_step) == (3, 4)
    # Trust test planned from the person's page (prefilled), then its outcome.
    page = client.get(reverse("delegation:person", args=[person.pk]))
    assert page.context["chart_spec"] is not None
    trust_url = page.context["trust_test_url"]
    form = client.get(trust_url).context["form"]
    assert form.initial["step_from"] == 4
    assert form.initial["step_to"] == 5
    client.post(
        reverse("trials:trust_test_new"),
        {
            "person": person.pk,
            "task": RATINGS["task"],
            "step_from": 4,
            "step_to": 5,
            "risk": "medium",
        },
    )
    test = Trial.objects.get()
    client.post(
        reverse("trials:trust_outcome", args=[test.pk]),
        {"outcome-outcome": "not_held", "outcome-note": "Planen blev ikke meldt ud"},
    )
    # Breach against the dosing, then repair as learning.
    response = client.post(
        reverse("delegation:breach_new", args=[dosing.pk]),
        {
            "happened_on": timezone.localdate().isoformat(),
            "what_happened": "Weekendplanen kom ud to dage for sent",
            "cause_resources": "on",
        },
    )
    breach = Breach.objects.get()
    assert response.status_code == 302
    response = client.post(
        reverse("delegation:breach", args=[breach.pk]),
        {
            "shared_own_mistakes": "on",
            "explored_both_sides": "on",
            "learning_over_blame": "on",
            "outcome": BreachOutcome.STRENGTHENED,
            "lesson": "Aftal en fast frist for vagtplanen",
            "lesson_shared": "on",
        },
    )
    assert response.status_code == 302
    adjust = reverse("delegation:dosing_new") + f"?breach={breach.pk}"
    form = client.get(adjust).context["form"]
    assert form.initial["task"] == RATINGS["task"]
    response = client.post(
        adjust, {**RATINGS, "resources": 2, "chosen_step": 2, "reason": "Et trin ned, ikke to"}
    )
    assert response.status_code == 302
    breach.refresh_from_db()
    assert breach.adjusted_dosing.source == DosingSource.AFTER_BREACH
    assert breach.adjusted_dosing.chosen_step == 2
    # The history shows the whole story, growing and shrinking.
    page = client.get(reverse("delegation:person", args=[person.pk]))
    kinds = [row.kind for row in page.context["history"]]
    assert kinds.count("Tillidstest") == 1
    assert kinds.count("Brud") == 1
    steps = [row.step for row in page.context["history"] if row.kind != "Brud"]
    assert 4 in steps
    assert 2 in steps
    body = page.content.decode()
    assert "vega-embed" in body
    assert 'id="history-table"' in body
    # A colleague in the team reads the lesson, without the name.
    login(client, person_user(org.people["P3"]))
    lessons = client.get(reverse("delegation:lessons")).content.decode()
    assert "Aftal en fast frist for vagtplanen" in lessons
    assert "Lars Nielsen" not in lessons


def test_bad_faith_points_to_hr_and_hides_the_repair_form(client, org, roles):
    from tillid.delegation.tests.helpers import breach, dose

    d = dose(org.people["P2"], roles.leader)
    b = breach(d, roles.leader, causes={}, bad_faith_suspected=True)
    login(client, roles.leader)
    page = client.get(reverse("delegation:breach", args=[b.pk])).content.decode()
    assert "HR-processen" in page
    assert "Gem reparationen" not in page
    response = client.post(
        reverse("delegation:breach", args=[b.pk]), {"outcome": BreachOutcome.REPAIRED}
    )
    assert response.status_code == 200
    b.refresh_from_db()
    assert b.outcome == BreachOutcome.HR


def test_suggestion_fragment(client, org, roles):
    login(client, roles.leader)
    response = client.post(reverse("delegation:suggestion"), RATINGS)
    assert "Foreslået trin: 3" in response.content.decode()
    login(client, roles.employee)
    assert client.post(reverse("delegation:suggestion"), RATINGS).status_code == 403


def test_team_dosing(client, org, roles):
    login(client, roles.leader)
    new = reverse("delegation:dosing_new") + f"?team={org.team_north.pk}"
    client.post(new, {**RATINGS, "chosen_step": 3})
    dosing = Dosing.objects.get()
    assert dosing.subject_unit == org.team_north
    page = client.get(reverse("delegation:team", args=[org.team_north.pk]))
    assert page.status_code == 200
    assert [row.step for row in page.context["history"]] == [3]
    login(client, roles.employee)  # a member reads the mandate on own page, not the team page
    assert client.get(reverse("delegation:team", args=[org.team_north.pk])).status_code == 403


def test_home_for_an_employee_links_own_records(client, org, roles):
    login(client, roles.employee)
    response = client.get(reverse("delegation:home"))
    assert response.status_code == 200
    assert "page_obj" not in response.context
    mine = client.get(reverse("delegation:mine"))
    assert mine.status_code == 200
    assert mine.context["is_self"]
    login(client, roles.politician)
    assert client.get(reverse("delegation:home")).status_code == 403
