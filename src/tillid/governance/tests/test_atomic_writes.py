"""Each governance write that spans several tables saves all or nothing."""

from decimal import Decimal as D

import pytest

from tillid.core.tests.atomic import (
    LastStepFailed,
    fail_manager,
    fail_queryset,
    fail_save,
    snapshot,
)
from tillid.governance import services
from tillid.governance.models import Activity, Item, Review
from tillid.governance.tests.conftest import make_item

pytestmark = pytest.mark.django_db


def test_create_item(org, roles, monkeypatch):
    before = snapshot("governance")
    fail_queryset(monkeypatch, Item.units.through, "bulk_create")  # the bound units come last
    with pytest.raises(LastStepFailed):
        make_item(roles.consultant, units=[org.care_home])
    assert snapshot("governance") == before


def test_create_item_with_its_compensation_review(org, roles, monkeypatch):
    old = make_item(roles.consultant, title="Gammelt krav", units=[org.care_home])
    before = snapshot("governance")
    fail_save(monkeypatch, Review)  # the review of the compensating item comes last
    with pytest.raises(LastStepFailed):
        make_item(roles.consultant, title="Nyt krav", units=[org.care_home], compensated_by=old)
    assert snapshot("governance") == before


def test_decide_review_with_a_new_estimate(org, roles, monkeypatch):
    item = make_item(roles.consultant, units=[org.care_home])
    services.add_activity(
        item=item, name="Registrere", minutes_per_occurrence=D(2), occurrences_per_year=D(500)
    )
    review = services.open_review(item=item, user=roles.consultant, stake_groups=["employees"])
    before = snapshot("governance")
    fail_save(monkeypatch, Review)  # the decision itself is saved last
    with pytest.raises(LastStepFailed):
        services.decide_review(
            review=review,
            user=roles.consultant,
            decision="change",
            rationale="Blokke i stedet for ydelser.",
            new_activity_name="Dokumentere blokke",
            new_minutes_per_occurrence=D(1),
            new_occurrences_per_year=D(150),
        )
    assert snapshot("governance") == before


def test_replace_activities(org, roles, monkeypatch):
    item = make_item(roles.consultant, units=[org.care_home])
    for name in ("A", "B"):
        services.add_activity(
            item=item, name=name, minutes_per_occurrence=D(1), occurrences_per_year=D(10)
        )
    before = snapshot("governance")
    fail_manager(monkeypatch, Activity, "create", on_call=2)  # the second new activity
    new = [
        services.ActivityInput(name=n, minutes_per_occurrence=D(3), occurrences_per_year=D(5))
        for n in ("C", "D")
    ]
    with pytest.raises(LastStepFailed):
        services.replace_activities(item=item, activities=new)
    assert snapshot("governance") == before
