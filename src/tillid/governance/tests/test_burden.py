"""The burden function against hand-computed cases, and its algebra."""

import math
from datetime import date
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tillid.governance import selectors, services
from tillid.governance.burden import burden, minutes_per_person
from tillid.governance.models import Item
from tillid.organisation import selectors as org_selectors

D = Decimal


def close(a: float, b: float) -> bool:
    """Equal up to floating-point rounding."""
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def test_hand_computed_activities():
    # 10 min × 200 times + 5 min × 12 times = 2060 min per person per year;
    # × 30 people = 61800 min = 1030 hours; × 450 DKK = 463500 DKK.
    b = burden(activities=[(10, 200), (5, 12)], people=30, hourly_cost=450)
    assert b.minutes_per_person == D(2060)
    assert b.hours == D(1030)
    assert b.dkk == D(463500)


def test_own_figures_used_without_activities():
    b = burden(activities=[], own_minutes=D("7.5"), own_occurrences=48, people=4, hourly_cost=400)
    # 7.5 × 48 = 360 min × 4 people = 1440 min = 24 h; 24 × 400 = 9600.
    assert b.hours == D(24)
    assert b.dkk == D(9600)


def test_activities_win_over_own_figures():
    assert minutes_per_person([(1, 1)], own_minutes=100, own_occurrences=100) == D(1)


def test_zero_people_zero_burden():
    assert burden(activities=[(10, 10)], people=0, hourly_cost=450).hours == 0


amounts = st.decimals(
    min_value=0, max_value=10_000, places=2, allow_nan=False, allow_infinity=False
)
activity = st.tuples(amounts, amounts)


@settings(max_examples=60, deadline=None)
@given(st.lists(activity, max_size=6), st.lists(activity, max_size=6), st.integers(0, 5000))
def test_burden_is_additive_over_activities(first, second, people):
    whole = burden(activities=first + second, people=people, hourly_cost=450)
    a = burden(activities=first, people=people, hourly_cost=450) if first else None
    b = burden(activities=second, people=people, hourly_cost=450) if second else None
    parts = (a.hours if a else 0) + (b.hours if b else 0)
    assert close(whole.hours, parts)
    assert close(whole.minutes_per_person, sum(float(m) * float(o) for m, o in first + second))


@settings(max_examples=60, deadline=None)
@given(st.lists(activity, min_size=1, max_size=6), st.integers(0, 5000), st.integers(0, 5000))
def test_burden_is_linear_in_people(acts, p, q):
    together = burden(activities=acts, people=p + q, hourly_cost=450)
    apart = (
        burden(activities=acts, people=p, hourly_cost=450).hours
        + burden(activities=acts, people=q, hourly_cost=450).hours
    )
    assert close(together.hours, apart)
    assert close(together.dkk, together.hours * 450)


def test_item_people_from_headcount_and_inheritance(org, item_factory):
    # Binds Plejecenter Egely (5 people) and Team Nord below it: counted once.
    item = item_factory(
        units=[org.care_home, org.team_north],
        minutes_per_occurrence=D(6),
        occurrences_per_year=D(100),
    )
    fig = selectors.item_burden(item)
    assert fig.natural_people == 5
    assert fig.burden.hours == D(50)  # 600 min × 5 / 60
    assert fig.burden.dkk == D(50 * 450)


def test_people_override(org, item_factory):
    item = item_factory(
        units=[org.care_home],
        minutes_per_occurrence=D(60),
        occurrences_per_year=D(1),
        people_override=20,
    )
    assert selectors.item_burden(item).burden.hours == D(20)


def test_activities_replace_own_figures(org, item_factory):
    item = item_factory(
        units=[org.team_north], minutes_per_occurrence=D(99), occurrences_per_year=D(99)
    )
    services.add_activity(
        item=item, name="Registrere", minutes_per_occurrence=D(3), occurrences_per_year=D(200)
    )
    services.add_activity(
        item=item, name="Godkende", minutes_per_occurrence=D(10), occurrences_per_year=D(12)
    )
    # Team Nord has 2 people: (600 + 120) × 2 / 60 = 24 hours.
    assert selectors.item_burden(item).burden.hours == D(24)


def test_unit_totals_inherit_from_above(org, item_factory):
    # 60 min per person per year on the whole administration (5 people) and
    # 120 min on Team Nord (2 people).
    item_factory(
        title="A", units=[org.social], minutes_per_occurrence=D(60), occurrences_per_year=D(1)
    )
    item_factory(
        title="B", units=[org.team_north], minutes_per_occurrence=D(120), occurrences_per_year=D(1)
    )
    totals = selectors.unit_totals()
    assert totals[org.team_north.pk].hours == D(2 + 4)
    assert totals[org.team_south.pk].hours == D(2)
    assert totals[org.care_home.pk].hours == D(5 + 4)
    assert totals[org.social.pk].hours == D(9)
    assert totals[org.root.pk].hours == D(9)
    assert totals[org.school.pk].hours == D(0)


def test_unit_totals_match_unit_item_rows(org, item_factory):
    item_factory(
        title="A", units=[org.root], minutes_per_occurrence=D(30), occurrences_per_year=D(4)
    )
    item_factory(
        title="B",
        units=[org.care_home, org.school],
        minutes_per_occurrence=D(15),
        occurrences_per_year=D(8),
    )
    item_factory(
        title="C",
        units=[org.team_south],
        minutes_per_occurrence=D(10),
        occurrences_per_year=D(6),
        people_override=4,
    )
    totals = selectors.unit_totals()
    for unit in (org.root, org.social, org.care_home, org.team_south, org.school):
        rows = selectors.unit_items(unit)
        assert close(sum(r.burden.hours for r in rows), totals[unit.pk].hours), unit.name


def test_removed_items_do_not_count(org, item_factory):
    item = item_factory(
        units=[org.team_north], minutes_per_occurrence=D(60), occurrences_per_year=D(1)
    )
    Item.objects.filter(pk=item.pk).update(status="removed", ended_on=date(2024, 1, 1))
    assert selectors.unit_totals()[org.team_north.pk].hours == 0


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(activity, max_size=4), activity)
def test_sql_fast_path_equals_the_pure_burden_function(org, item_factory, acts, own):
    """The register sums minutes x occurrences in SQL; it must be `minutes_per_person`."""
    Item.objects.all().delete()
    item = item_factory(
        units=[org.team_north], minutes_per_occurrence=own[0], occurrences_per_year=own[1]
    )
    for i, (minutes, occurrences) in enumerate(acts):
        services.add_activity(
            item=item,
            name=f"Aktivitet {i}",
            minutes_per_occurrence=minutes,
            occurrences_per_year=occurrences,
        )
    inputs = selectors.burden_inputs(Item.objects.filter(pk=item.pk), org_selectors.unit_tree())
    expected = minutes_per_person(acts, own[0], own[1])
    assert close(inputs.mpp[item.pk], expected)
    assert close(selectors.item_burden(item).burden.hours, expected * 2 / 60)  # Team Nord: 2
