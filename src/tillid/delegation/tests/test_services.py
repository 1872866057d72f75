import datetime as dt
import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tillid.delegation import exports, selectors, services
from tillid.delegation.access import Subject
from tillid.delegation.models import BreachOutcome, Dosing, DosingSource
from tillid.delegation.tests.helpers import breach, dose
from tillid.organisation.models import Person

pytestmark = pytest.mark.django_db


def test_suggestion_is_stored_and_a_different_choice_needs_a_reason(org, roles):
    person = org.people["P2"]
    d = dose(person, roles.leader, ratings=(4, 4, 4), risk=(1, 1))
    assert d.suggested_step == d.chosen_step == 5
    with pytest.raises(ValidationError):
        dose(person, roles.leader, ratings=(4, 4, 4), risk=(1, 1), step=3, reason="")
    lower = dose(person, roles.leader, ratings=(4, 4, 4), risk=(1, 1), step=3, reason="Ny opgave")
    assert (lower.suggested_step, lower.chosen_step) == (5, 3)
    assert Dosing.objects.count() == 2


def test_review_date_cannot_be_in_the_past(org, roles):
    with pytest.raises(ValidationError):
        dose(org.people["P2"], roles.leader, review_on=dt.date(2020, 1, 1))
    assert not Dosing.objects.exists()


def test_breach_needs_a_cause_and_repair_adjusts_the_dosing(org, roles):
    person = org.people["P2"]
    d = dose(person, roles.leader, ratings=(3, 3, 3))
    with pytest.raises(ValidationError):
        breach(d, roles.leader, causes={})
    b = breach(d, roles.leader)
    assert b.outcome == BreachOutcome.OPEN
    services.record_repair(
        breach=b,
        steps={"shared_own_mistakes": True, "explored_both_sides": True},
        repair_notes="Vi talte om rammerne",
        outcome=BreachOutcome.STRENGTHENED,
        lesson="Aftal hvem der melder vagtplanen ud",
        lesson_shared=True,
    )
    adjusted = dose(person, roles.leader, ratings=(3, 3, 2), breach=b)
    b.refresh_from_db()
    assert b.adjusted_dosing == adjusted
    assert adjusted.source == DosingSource.AFTER_BREACH
    assert adjusted.previous == d
    assert b.repair_steps
    assert b.outcome == BreachOutcome.STRENGTHENED


def test_bad_faith_leaves_the_learning_track(org, roles):
    d = dose(org.people["P2"], roles.leader)
    b = breach(d, roles.leader, causes={}, bad_faith_suspected=True)
    assert b.outcome == BreachOutcome.HR
    with pytest.raises(ValidationError):
        services.record_repair(breach=b, steps={}, repair_notes="", outcome=BreachOutcome.REPAIRED)


def test_retention_period_is_configurable(org, roles, settings):
    settings.TILLID_DELEGATION_RETENTION_MONTHS = 1
    d = dose(org.people["P2"], roles.leader, created_at=timezone.now() - dt.timedelta(days=40))
    assert services.anonymise_expired()["dosings"] == 1
    d.refresh_from_db()
    assert d.anonymised_at is not None


def test_scheduled_task_runs(org, roles, settings):
    from tillid.delegation.tasks import anonymise_expired_records

    settings.TILLID_DELEGATION_RETENTION_MONTHS = 1
    dose(org.people["P2"], roles.leader, created_at=timezone.now() - dt.timedelta(days=40))
    result = anonymise_expired_records.enqueue()
    assert result.return_value["dosings"] == 1


def test_export_contains_the_persons_records(org, roles):
    person = org.people["P2"]
    d = dose(person, roles.leader)
    breach(d, roles.leader)
    data = json.loads(exports.as_json(Subject(person=person)))
    assert data["person"]["name"] == person.name
    assert [x["id"] for x in data["dosings"]] == [d.pk]
    assert len(data["breaches"]) == 1
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(exports.as_xlsx(Subject(person=person))))
    assert len(book.sheetnames) == 5
    assert book.worksheets[1].max_row == 2  # header and the one dosing


def test_shared_lessons_reach_the_team_without_names(org, roles, person_user):
    person = org.people["P2"]
    b = breach(dose(person, roles.leader), roles.leader)
    services.record_repair(
        breach=b,
        steps={},
        repair_notes="",
        outcome=BreachOutcome.REPAIRED,
        lesson="Sig det tidligt, når rammen ikke holder",
        lesson_shared=True,
    )
    colleague = person_user(Person.objects.get(external_id="P3"))
    assert [x.lesson for x in selectors.shared_lessons(colleague)] == [
        "Sig det tidligt, når rammen ikke holder"
    ]
    assert list(selectors.shared_lessons(roles.other_employee)) == []


def test_aggregate_suppresses_small_groups(org, roles, settings):
    settings.TILLID_ANONYMITY_MIN_GROUP = 3
    north = [org.people["P2"], org.people["P3"]]
    north += [
        Person.objects.create(external_id=f"N{i}", name=f"Nord {i}", unit=org.team_north)
        for i in range(3)
    ]
    for person in north:
        dose(person, roles.leader, ratings=(4, 4, 4), risk=(1, 1))  # step 5
    dose(org.people["P4"], roles.leader, ratings=(2, 2, 2))  # Team Syd: one person
    rows = {r["unit_name"]: r for r in selectors.aggregate_steps(org.care_home)}
    assert rows["Team Syd"]["suppressed"]
    # With one child hidden, the other is hidden too: the whole minus it is the one.
    assert rows["Team Nord"]["suppressed"]
    assert rows["Team Nord"]["total"] is None
    assert rows["Team Nord"]["steps"] is None
    whole = rows["Plejecenter Egely"]
    assert whole["total"] == 6
    # A shown group shows its whole distribution, like any other figure of it.
    assert whole["steps"]["5"] == 5
    assert whole["steps"]["2"] == 1
