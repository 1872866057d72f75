"""Governance's outcomes for the effect pages: burden hours and freed hours per
employee and half-year, hand-computed on the small test municipality."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from tillid.governance import effects
from tillid.governance.models import Item, Review, ReviewStatus
from tillid.organisation.models import Person
from tillid.organisation.selectors import active_people_per_unit, disclose_per_unit

pytestmark = pytest.mark.django_db


def _half_start(day: date) -> date:
    return date(day.year, 1 if day.month <= 6 else 7, 1)


@pytest.fixture
def world(org):
    today = timezone.localdate()
    # Five more in the care home: 10 there (1 + 5 direct, Team Nord 2, Team Syd 2).
    for i in range(5):
        Person.objects.create(
            external_id=f"X{i}", name=f"Ekstra {i}", email=f"x{i}@egeskov.dk", unit=org.care_home
        )
    shown = disclose_per_unit(active_people_per_unit())
    assert shown.shown_count(org.care_home.pk) == 10
    # The school's two people are hidden, and the engine leaves them out of the
    # municipality's count too (no differencing): 10 shown there.
    assert shown.shown_count(org.root.pk) == 10
    assert shown.shown_count(org.team_north.pk) is None
    decided_on = today - timedelta(days=400)
    # A: 30 minutes × 12 a year = 360 minutes per person, bound to the care home (10 people).
    a = Item.objects.create(
        reference="STY-A",
        title="Dobbeltdokumentation",
        kind="documentation",
        layer="institution",
        introduced_on=today - timedelta(days=2000),
        minutes_per_occurrence=30,
        occurrences_per_year=12,
    )
    a.units.set([org.care_home])
    # B: 60 minutes × 2 a year = 120 minutes per person, bound to Team Nord (2 people).
    b = Item.objects.create(
        reference="STY-B",
        title="Ugeskema",
        kind="documentation",
        layer="institution",
        introduced_on=today - timedelta(days=2000),
        minutes_per_occurrence=60,
        occurrences_per_year=2,
    )
    b.units.set([org.team_north])
    remove = Review.objects.create(
        item=a,
        status=ReviewStatus.DECIDED,
        decision="remove",
        decided_on=decided_on,
        minutes_before=360,
        minutes_after=0,
    )
    a.ended_on = decided_on
    a.save()
    change = Review.objects.create(
        item=b,
        status=ReviewStatus.DECIDED,
        decision="change",
        decided_on=decided_on,
        minutes_before=120,
        minutes_after=60,
    )
    # A decision that frees nothing by kind: keeping the item.
    c = Item.objects.create(
        reference="STY-C",
        title="Tilsynsrapport",
        kind="documentation",
        layer="institution",
        introduced_on=today - timedelta(days=2000),
        minutes_per_occurrence=10,
        occurrences_per_year=6,
    )
    c.units.set([org.care_home])
    Review.objects.create(
        item=c,
        status=ReviewStatus.DECIDED,
        decision="keep",
        decided_on=decided_on,
        minutes_before=60,
        minutes_after=0,
    )
    return org, a, b, remove, change, decided_on


def _by(result):
    return {(v["unit"], v["period"]): v for v in result["values"]}


def test_burden_hours_hand_computed(world):
    org, _a, _b, _remove, _change, decided_on = world
    ids = [org.care_home.pk, org.team_north.pk]
    result = effects.outcome_values(outcome=effects.BURDEN_HOURS, unit_ids=ids)
    periods = result["periods"]
    # From the half-year before the decision's to today's.
    first_start = _half_start(_half_start(decided_on) - timedelta(days=1))
    assert periods[0][2] == first_start
    assert periods[-1][2] == _half_start(timezone.localdate())
    assert [p[0] for p in periods] == list(range(1, len(periods) + 1))
    by = _by(result)
    first, last = periods[0][0], periods[-1][0]
    # Before: A 360×10/60 = 60 h, B 120×2/60 = 4 h, C 60×10/60 = 10 h; 74 h / 10 people.
    assert by[(org.care_home.pk, first)]["value"] == pytest.approx(74 / 10)
    assert by[(org.care_home.pk, first)]["respondents"] == 10
    # Today A has ended: 4 + 10 = 14 h / 10 people.
    assert by[(org.care_home.pk, last)]["value"] == pytest.approx(14 / 10)
    # Team Nord (2 people) is hidden by the anonymity engine: left out, no values.
    assert result["left_out"] == 1
    assert not [v for v in result["values"] if v["unit"] == org.team_north.pk]


def test_freed_hours_hand_computed_and_cumulative(world):
    org, _a, _b, _remove, _change, _decided_on = world
    result = effects.outcome_values(outcome=effects.FREED_HOURS, unit_ids=[org.care_home.pk])
    by = _by(result)
    periods = [p[0] for p in result["periods"]]
    assert by[(org.care_home.pk, periods[0])]["value"] == 0
    # Remove A: 360 min × 10 / 60 = 60 h; change B: 60 min × 2 / 60 = 2 h; keep C: nothing.
    assert by[(org.care_home.pk, periods[-1])]["value"] == pytest.approx(62 / 10)
    values = [by[(org.care_home.pk, p)]["value"] for p in periods]
    assert values == sorted(values)  # cumulative: never falls without a new decision


def test_the_whole_municipality_counts_its_disclosed_employees(world):
    org, *_rest = world
    result = effects.outcome_values(outcome=effects.FREED_HOURS, unit_ids=[org.root.pk])
    last = result["periods"][-1][0]
    value = _by(result)[(org.root.pk, last)]
    assert value["respondents"] == 10
    assert value["value"] == pytest.approx(62 / 10)


def test_other_outcomes_are_not_governance_s(world):
    org, *_rest = world
    assert effects.outcome_values(outcome="compass:x", unit_ids=[org.root.pk]) is None
    codes = [c for c, _label in effects.outcomes()]
    assert codes == [effects.RED_TAPE, effects.BURDEN_HOURS, effects.FREED_HOURS]


def test_treatments_name_the_items_touched(world):
    _org, a, b, remove, _change, _decided_on = world
    found = effects.treatments(decision_id=remove.pk)
    assert found["items"] == [a.pk]
    group = effects.treatments(group={"decision": None, "area_id": None, "year": None})
    assert sorted(group["items"]) == sorted([a.pk, b.pk, Item.objects.get(reference="STY-C").pk])
    only_changes = effects.treatments(group={"decision": "change"})
    assert only_changes["items"] == [b.pk]


def test_treatment_is_accepted(world):
    org, _a, _b, remove, *_rest = world
    found = effects.treatments(decision_id=remove.pk)
    with_it = effects.outcome_values(
        outcome=effects.BURDEN_HOURS, unit_ids=[org.care_home.pk], treatment=found
    )
    assert with_it == effects.outcome_values(
        outcome=effects.BURDEN_HOURS, unit_ids=[org.care_home.pk]
    )


def test_a_decision_keeps_what_the_governed_said_about_the_item_beside_the_numbers(world, settings):
    # Assessments keep neither unit nor date, so meaningfulness is no outcome
    # per unit and half-year; the released figure goes beside the numbers.
    from tillid.governance.models import MeaningRelease

    _org, a, _b, remove, _change, _decided_on = world
    notes = dict(effects.treatments(decision_id=remove.pk)["notes"])
    heading = "Hvor meningsfuldt de styrede finder punktet"
    assert notes[heading] == "For få har vurderet punktet til, at tallene kan vises."
    k = settings.TILLID_ANONYMITY_MIN_GROUP
    MeaningRelease.objects.create(
        item=a, respondents=k + 1, professional=2.0, learning=2.5, involving=1.5, meaningful=2.2
    )
    notes = dict(effects.treatments(decision_id=remove.pk)["notes"])
    assert notes[heading] == (
        f"I gennemsnit 2,0 af 5 over de fire spørgsmål, fra {k + 1} personer (meningsfuldt: 2,2)."
    )
    # Under k released answers nothing is shown, whatever the figures say.
    MeaningRelease.objects.filter(item=a).update(respondents=k - 1)
    notes = dict(effects.treatments(decision_id=remove.pk)["notes"])
    assert notes[heading].startswith("For få")
