"""Trust tests (trials) in a person's delegation records: the two apps together.

These tests use both apps, so they live outside either (the apps themselves
import no sibling; see docs/architecture.md).
"""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from tillid.delegation import charts, selectors
from tillid.delegation.access import Subject
from tillid.delegation.models import (
    Breach,
    BreachOutcome,
    Dosing,
    DosingSource,
    ReadKind,
    RecordRead,
)
from tillid.delegation.tests.helpers import breach, dose
from tillid.delegation.tests.test_pages import RATINGS
from tillid.organisation.testing import login
from tillid.trials import services as trial_services
from tillid.trials.models import Trial

pytestmark = pytest.mark.django_db


def test_history_has_dosings_trust_tests_and_breaches(org, roles):
    person = org.people["P2"]
    d = dose(person, roles.leader, ratings=(3, 3, 3))
    trial_services.plan_trust_test(
        by=roles.leader, subject_person=person, task=d.task, step_from=3, step_to=4, risk="medium"
    )
    breach(d, roles.leader)
    kinds = [row.kind for row in selectors.history(Subject(person=person))]
    assert sorted(kinds) == ["Brud", "Tillidstest", "Vurdering"]
    spec = charts.chart_spec(Subject(person=person))
    assert spec["mark"]["type"] == "line"
    assert spec["data"]["values"][0]["step"] == d.chosen_step


def test_anonymisation_after_the_retention_period(org, roles, settings):
    settings.TILLID_DELEGATION_RETENTION_MONTHS = 24
    person = org.people["P2"]
    old_time = timezone.now() - dt.timedelta(days=25 * 31)
    old = dose(person, roles.leader, created_at=old_time)
    old_breach = breach(old, roles.leader)
    Breach.objects.filter(pk=old_breach.pk).update(created_at=old_time)
    recent = dose(person, roles.leader, task="Bestille hjælpemidler")
    test = trial_services.plan_trust_test(
        by=roles.leader,
        subject_person=person,
        task="Gammel test",
        step_from=1,
        step_to=2,
        risk="low",
    )
    type(test).objects.filter(pk=test.pk).update(created_at=old_time)
    RecordRead.objects.create(
        reader_name="x", kind="dosing", record_id=old.pk, subject_person=person
    )
    RecordRead.objects.filter(record_id=old.pk).update(read_at=old_time)
    out = io.StringIO()
    call_command("delegation_anonymise", stdout=out)
    assert "Anonymised 1 dosings, 1 breaches and 1 trust tests" in out.getvalue()
    old.refresh_from_db()
    assert old.subject_person is None
    assert old.task == ""
    assert old.anonymised_at
    assert old.chosen_step  # the figures stay for aggregates
    old_breach.refresh_from_db()
    assert old_breach.what_happened == ""
    assert old_breach.anonymised_at
    test.refresh_from_db()
    assert test.subject_person is None
    assert test.trust_task == ""
    recent.refresh_from_db()
    assert recent.subject_person == person
    assert recent.task
    assert list(selectors.dosings_for(Subject(person=person))) == [recent]
    assert not RecordRead.objects.filter(record_id=old.pk).exists()


def test_reading_a_trust_test_is_logged_for_the_person(client, org, records, actors):
    person, d, _b = records
    test = trial_services.plan_trust_test(
        by=actors["leader"], subject_person=person, task=d.task, step_from=3, step_to=4, risk="low"
    )
    login(client, actors["hr"])
    assert client.get(reverse("trials:detail", args=[test.pk])).status_code == 200
    assert client.get(f"/api/trials/{test.pk}").status_code in (200, 403)
    assert RecordRead.objects.filter(
        kind=ReadKind.TRUST_TEST, record_id=test.pk, subject_person=person, reader_name="hr"
    ).exists()
    login(client, actors["colleague"])
    assert client.get(reverse("trials:detail", args=[test.pk])).status_code == 404
    assert RecordRead.objects.filter(kind=ReadKind.TRUST_TEST).count() >= 1


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
