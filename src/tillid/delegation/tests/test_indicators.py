"""Trust dosings reviewed on time: worked out by hand, hidden for small groups, attacked."""

import datetime as dt
import random

import pytest
from django.utils import timezone

from tillid.core import contracts
from tillid.core.anonymity import ALL, GroupNode
from tillid.core.indicators import Period, Scope, Status, Track
from tillid.core.tests.anonymity_attacks import cover_attack, span_attack
from tillid.delegation import indicators as di
from tillid.delegation.models import Dosing
from tillid.organisation import services as org_services
from tillid.organisation.models import Person, Unit, UnitKind

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
YEAR = Period(TODAY - dt.timedelta(days=364), TODAY)


def ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


def _dose(person, *, made: int, review: int | None, task="Vagtplan", by=None, team=None):
    return Dosing.objects.create(
        subject_person=person,
        subject_unit=team,
        unit=person.unit if person else team,
        task=task,
        competence=3,
        intention=3,
        resources=3,
        consequence=1,
        reversibility=1,
        suggested_step=3,
        chosen_step=3,
        review_on=None if review is None else ago(review),
        decided_by=by,
        created_at=timezone.now() - dt.timedelta(days=made),
    )


def _people(unit, n, prefix):
    return Person.objects.bulk_create(
        Person(external_id=f"{prefix}{i}", name=f"{prefix} {i}", unit=unit) for i in range(n)
    )


def by_code(unit=None, period=YEAR):
    scope = Scope() if unit is None else Scope(unit_id=unit.pk, path=unit.path)
    return {i.code: i for i in di.indicators(scope=scope, period=period, today=TODAY)}


def test_reviews_on_time_late_and_missing(org, roles, settings):
    settings.TILLID_ANONYMITY_MIN_GROUP = 3
    a, b, c, d = _people(org.team_north, 4, "N")
    _dose(a, made=200, review=100)
    _dose(a, made=110, review=None)  # reviewed 10 days before the date: on time
    _dose(b, made=200, review=100)
    _dose(b, made=80, review=None)  # 20 days after the date: late
    _dose(c, made=200, review=30)  # not reviewed
    _dose(d, made=200, review=60, task="Indkøb")
    _dose(d, made=150, review=None, task="Vagtplan")  # another task: no review of Indkøb
    _dose(d, made=300, review=-10)  # due in ten days: not counted yet
    found = by_code(org.team_north)["delegation.dosing_reviews"]
    assert found.track == Track.LOCAL_LEADERSHIP
    assert found.value == pytest.approx(1 / 4)
    assert dict(found.parts) == {"Til tiden": 1, "For sent": 1, "Endnu ikke fulgt op": 2}
    assert found.status == Status.BEHIND
    assert found.organisation_value == pytest.approx(1 / 4)
    recent = by_code(org.team_north, Period(ago(40), TODAY))["delegation.dosing_reviews"]
    assert recent.value is None  # only c is due then: one person, hidden


def test_a_small_unit_shows_nothing_and_its_parent_everything(org, settings):
    settings.TILLID_ANONYMITY_MIN_GROUP = 3
    for person in _people(org.team_north, 2, "N"):
        _dose(person, made=200, review=100)
    for person in _people(org.team_south, 2, "S"):
        _dose(person, made=200, review=100)
        _dose(person, made=105, review=None)
    assert by_code(org.team_north)["delegation.dosing_reviews"].value is None
    assert by_code(org.team_north)["delegation.dosing_reviews"].status == Status.NO_DATA
    home = by_code(org.care_home)["delegation.dosing_reviews"]
    assert home.value == pytest.approx(2 / 4)


@pytest.mark.parametrize("seed", range(4))
def test_nothing_under_k_can_be_worked_out(org, settings, seed):
    settings.TILLID_ANONYMITY_MIN_GROUP = k = 3
    rng = random.Random(seed)
    units = [org.care_home, org.team_north, org.team_south, org.school, org.primary]
    for i in range(rng.randint(2, 5)):
        units.append(
            org_services.create_unit(
                external_id=f"D{seed}-{i}",
                name=f"Enhed {i}",
                kind=UnitKind.TEAM,
                parent=rng.choice(units),
            )
        )
    counts = {}
    for n, unit in enumerate(units):
        size = rng.choice([0, 1, 2, 3, 4, 6])
        counts[unit.pk] = size
        for person in _people(unit, size, f"X{seed}-{n}-"):
            # Two tasks due for one person: still one person.
            _dose(person, made=200, review=rng.randint(10, 100))
            if rng.random() < 0.5:
                _dose(person, made=190, review=50, task="Indkøb")
            if rng.random() < 0.5:
                _dose(person, made=rng.randint(5, 100), review=None)
    every = list(Unit.objects.filter(is_active=True))
    shown = set()
    for unit in [None, *every]:
        if by_code(unit)["delegation.dosing_reviews"].value is not None:
            shown.add((org.root if unit is None else unit).pk)
    nodes = [GroupNode(u.pk, u.parent_id, {ALL: counts.get(u.pk, 0)}) for u in every]
    visible = {(uid, ALL) for uid in shown}
    assert span_attack(nodes, visible, (), k) == []
    assert cover_attack(nodes, visible, (), k) == []


def test_the_leader_sees_the_reviews_they_owe_without_names(org, roles):
    person = org.people["P2"]
    due = _dose(person, made=100, review=5, by=roles.leader)
    _dose(org.people["P3"], made=100, review=-20, by=roles.leader, task="Medicinrunden")
    mine = di.followups(scope=None, owner_id=roles.leader.pk, today=TODAY)
    assert [(f.title, f.due_on, f.done) for f in mine] == [
        ("Følg op på tillidsdoseringen for opgaven »Vagtplan«", ago(5), False),
        ("Følg op på tillidsdoseringen for opgaven »Medicinrunden«", ago(-20), False),
    ]
    assert mine[0].is_late(TODAY)
    assert all(person.name not in f.title for f in mine)
    _dose(person, made=1, review=None, by=roles.leader)
    mine = di.followups(scope=None, owner_id=roles.leader.pk, today=TODAY)
    assert (mine[-1].title, mine[-1].done) == (
        "Følg op på tillidsdoseringen for opgaven »Vagtplan«",
        True,
    )
    assert mine[-1].url.endswith(f"/{due.pk}/")
    # A scope's list has none: personal records are aggregates only on the overview.
    assert di.followups(scope=Scope(), owner_id=None, today=TODAY) == []
    offered = dict(
        contracts.collect("overview.followups", scope=Scope(), owner_id=None, today=TODAY)
    )
    assert offered["delegation"] == []
