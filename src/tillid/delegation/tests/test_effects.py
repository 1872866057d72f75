"""The delegation outcome for the effect pages: `delegation:dosing_steps`.

Hand-computed half-years on the fixture organisation, the leader placed above
two teams of six (issue 9's 13 − 6 − 6) hidden by the engine and counted as
left out, and attackers that combine every shown figure across units and
half-years looking for one person's step.
"""

import random
from datetime import date, datetime
from fractions import Fraction

import pytest
from django.utils import timezone, translation

from tillid.core.anonymity import ALL, GroupNode
from tillid.core.contracts import providers
from tillid.core.tests.anonymity_attacks import _basis, _reduce, cover_attack, span_attack
from tillid.delegation.effects import DOSING_STEPS, outcome_values, outcomes
from tillid.delegation.models import Dosing
from tillid.organisation import services as org_services
from tillid.organisation.models import Person, Unit, UnitKind

pytestmark = pytest.mark.django_db

K = 5
SPRING = datetime(2025, 3, 10, 12, tzinfo=timezone.get_current_timezone())
AUTUMN = datetime(2025, 9, 10, 12, tzinfo=timezone.get_current_timezone())


def _dosing(unit, step, when, *, person=None, team=None, task="Vagtplan", minutes=0):
    return Dosing(
        subject_person=person,
        subject_unit=team,
        unit=unit,
        task=task,
        competence=3,
        intention=3,
        resources=3,
        consequence=1,
        reversibility=1,
        suggested_step=step,
        chosen_step=step,
        created_at=when + timezone.timedelta(minutes=minutes),
    )


def _people(unit, n, prefix):
    return Person.objects.bulk_create(
        Person(external_id=f"{prefix}{i}", name=f"{prefix} {i}", unit=unit) for i in range(n)
    )


def _by_cell(result):
    return {(v["unit"], v["period"]): (v["value"], v["respondents"]) for v in result["values"]}


@pytest.fixture
def dosed(org, settings):
    settings.TILLID_ANONYMITY_MIN_GROUP = K
    north = [org.people["P2"], org.people["P3"], *_people(org.team_north, 4, "N")]
    south = [org.people["P4"], org.people["P5"], *_people(org.team_south, 4, "S")]
    rows = []
    # Spring 2025, north: 1 (4 then 1: the last of a task), 2, 3 (3 and 5: the
    # lowest task), 3, 4, 5 -> 18 / 6 = 3.0; south all at 2 -> 2.0.
    rows += [
        _dosing(org.team_north, 4, SPRING, person=north[0]),
        _dosing(org.team_north, 1, SPRING, person=north[0], minutes=5),
        _dosing(org.team_north, 2, SPRING, person=north[1]),
        _dosing(org.team_north, 3, SPRING, person=north[2]),
        _dosing(org.team_north, 3, SPRING, person=north[3]),
        _dosing(org.team_north, 5, SPRING, person=north[3], task="Indkøb"),
        _dosing(org.team_north, 4, SPRING, person=north[4]),
        _dosing(org.team_north, 5, SPRING, person=north[5]),
    ]
    rows += [_dosing(org.team_south, 2, SPRING, person=p) for p in south]
    # Autumn 2025: north all at 4 (24), south all at 3 (18), the leader in the
    # institution itself at 5: 47 / 13 for the institution and above.
    rows += [_dosing(org.team_north, 4, AUTUMN, person=p) for p in north]
    rows += [_dosing(org.team_south, 3, AUTUMN, person=p) for p in south]
    rows.append(_dosing(org.care_home, 5, AUTUMN, person=org.people["P1"]))
    # Does not count: a dosing in the school (alone).
    rows.append(_dosing(org.school, 1, SPRING, person=org.people["P6"]))
    Dosing.objects.bulk_create(rows)
    return org


def test_registered_and_labelled():
    assert ("delegation", outcomes) in [(a, f) for a, f in providers("effects.outcomes")]
    assert any(a == "delegation" for a, _f in providers("effects.outcome_values"))
    with translation.override("da"):
        assert outcomes()[0][0] == DOSING_STEPS
        assert "halvår" in outcomes()[0][1]


def test_half_years_by_hand(dosed):
    org = dosed
    ids = [org.root.pk, org.social.pk, org.elder.pk, org.care_home.pk, org.team_north.pk]
    ids += [org.team_south.pk, org.school.pk, org.children.pk]
    with translation.override("da"):
        result = outcome_values(outcome=DOSING_STEPS, unit_ids=ids, treatment=None)
    assert result["periods"] == [
        (1, "1. halvår 2025", date(2025, 1, 1)),
        (2, "2. halvår 2025", date(2025, 7, 1)),
    ]
    cells = _by_cell(result)
    # Spring: 12 people under the institution, 30 / 12; the school's lone
    # person is hidden (it and the forvaltning above it).
    assert cells[(org.team_north.pk, 1)] == (3.0, 6)
    assert cells[(org.team_south.pk, 1)] == (2.0, 6)
    for uid in (org.care_home.pk, org.elder.pk, org.social.pk):
        assert cells[(uid, 1)] == (2.5, 12)
    assert (org.school.pk, 1) not in cells
    assert (org.children.pk, 1) not in cells
    # Autumn: 13 - 6 - 6: one team is hidden, the institution keeps 47 / 13.
    for uid in (org.care_home.pk, org.elder.pk, org.social.pk, org.root.pk):
        assert cells[(uid, 2)] == (pytest.approx(47 / 13), 13)
    teams = {uid for uid in (org.team_north.pk, org.team_south.pk) if (uid, 2) in cells}
    assert len(teams) == 1
    expected = {org.team_north.pk: 4.0, org.team_south.pk: 3.0}
    (team,) = teams
    assert cells[(team, 2)] == (expected[team], 6)
    # The school's lone person is in no figure: the municipality shows the 12
    # (the engine leaves the remainder out) or nothing, never 31 / 13.
    assert cells.get((org.root.pk, 1), (2.5, 12)) == (2.5, 12)
    # Left out: the school and its forvaltning (hidden in the spring) and the
    # hidden team; the units with no one dosed show nothing and hide nothing.
    assert result["left_out"] == 3


def test_other_outcomes_and_no_data(org):
    assert outcome_values(outcome="governance:red_tape", unit_ids=[org.root.pk]) is None
    empty = outcome_values(outcome=DOSING_STEPS, unit_ids=[org.root.pk])
    assert empty == {"periods": [], "values": [], "left_out": 0}


def test_only_half_years_that_can_no_longer_change(dosed, settings):
    org = dosed
    now = timezone.now()
    # Dosed now (the current half-year) and 30 months ago (past the 24 months'
    # retention): neither half-year is offered, however many were dosed.
    long_ago = now - timezone.timedelta(days=915)
    rows = [
        _dosing(org.team_north, 2, now, person=p, task="Nu") for p in _people(org.primary, 6, "Q")
    ]
    rows += [_dosing(org.primary, 2, long_ago, person=p) for p in _people(org.primary, 6, "R")]
    Dosing.objects.bulk_create(rows)
    starts = [p[2] for p in outcome_values(outcome=DOSING_STEPS, unit_ids=[org.root.pk])["periods"]]
    assert starts == [date(2025, 1, 1), date(2025, 7, 1)]
    # One anonymised dosing in the spring of 2025 takes the whole half-year away
    # (a figure short of one person would give that person's step away).
    gone = Dosing.objects.filter(created_at=SPRING, unit=org.team_south).first()
    Dosing.objects.filter(pk=gone.pk).update(subject_person=None, anonymised_at=now)
    result = outcome_values(outcome=DOSING_STEPS, unit_ids=[org.root.pk])
    assert [p[2] for p in result["periods"]] == [date(2025, 7, 1)]
    assert {v["period"] for v in result["values"]} == {1}


def _recoverable(rows, columns):
    """Columns (one person's step in one half-year) whose value follows from the rows."""
    basis = _basis(rows)
    found = []
    for j, column in enumerate(columns):
        unit_vector = [Fraction(int(i == j)) for i in range(len(columns))]
        if not any(_reduce(unit_vector, basis)):
            found.append(column)
    return found


def test_the_detector_finds_a_step_in_figures_of_dosings_in_force():
    # Control: had the figure been the dosings in force at the end of each
    # half-year, a sixth person dosed in the second half-year would be laid bare.
    columns = ["a", "b", "c", "d", "e", "f"]
    first = [1, 1, 1, 1, 1, 0]
    second = [1, 1, 1, 1, 1, 1]
    assert _recoverable([first, second], columns) == ["f"]


@pytest.mark.parametrize("seed", range(4))
def test_no_step_recovered_across_units_and_half_years(org, settings, seed):
    settings.TILLID_ANONYMITY_MIN_GROUP = K
    rng = random.Random(seed)
    units = [org.care_home]
    for i in range(rng.randint(3, 7)):
        units.append(
            org_services.create_unit(
                external_id=f"R{seed}-{i}",
                name=f"Enhed {i}",
                kind=UnitKind.TEAM,
                parent=rng.choice(units),
            )
        )
    halves = [SPRING, AUTUMN, SPRING.replace(year=2026)]
    counts: dict[int, dict[int, int]] = {h: {} for h in range(3)}
    subjects: dict[int, list[tuple[int, int]]] = {h: [] for h in range(3)}  # (unit, person)
    rows = []
    for n, unit in enumerate(units):
        people = _people(unit, rng.choice([1, 2, 3, 5, 6, 8]), f"X{seed}-{n}-")
        for person in people:
            for h, when in enumerate(halves):
                # Most people are dosed again; some join or leave between half-years.
                if rng.random() < 0.75:
                    rows.append(_dosing(unit, rng.randint(1, 5), when, person=person))
                    counts[h][unit.pk] = counts[h].get(unit.pk, 0) + 1
                    subjects[h].append((unit.pk, person.pk))
    Dosing.objects.bulk_create(rows)
    every_unit = list(Unit.objects.filter(is_active=True))
    result = outcome_values(outcome=DOSING_STEPS, unit_ids=[u.pk for u in every_unit])
    cells = _by_cell(result)
    assert all(respondents >= K for _value, respondents in cells.values())
    # Per half-year, the attackers of core's tests over the shown cells.
    for h in range(3):
        nodes = [GroupNode(u.pk, u.parent_id, {ALL: counts[h].get(u.pk, 0)}) for u in every_unit]
        visible = {(uid, ALL) for uid, period in cells if period == h + 1}
        assert span_attack(nodes, visible, (), K) == []
        assert cover_attack(nodes, visible, (), K) == []
    # Across half-years: every shown sum (value x respondents) as a row over
    # every (person, half-year) step; no single step follows from them all.
    paths = {u.pk: u.path for u in every_unit}
    columns = [(h, unit, person) for h in range(3) for unit, person in subjects[h]]
    table = []
    for uid, period in sorted(cells):
        table.append(
            [
                int(h == period - 1 and paths[unit].startswith(paths[uid]))
                for h, unit, _person in columns
            ]
        )
    assert _recoverable(table, columns) == []
