"""The delegation aggregates, attacked with everything a role can read through the API.

Issue 9's case first: an institution's leader placed in the institution above
two teams of six, everyone at step 3. Then random organisations: every unit's
aggregate is fetched as a politician (who may read them all), every shown cell
is collected, and the attackers of core's anonymity tests look for a group of
1..k-1 people — subjects with a dosing — in any combination of the cells.
"""

import random

import pytest
from django.utils import timezone

from tillid.core.anonymity import ALL, GroupNode
from tillid.core.tests.anonymity_attacks import cover_attack, span_attack
from tillid.delegation.models import Dosing
from tillid.organisation import services as org_services
from tillid.organisation.models import Person, Unit, UnitKind
from tillid.organisation.testing import PASSWORD

pytestmark = pytest.mark.django_db

K = 5


def _dosing(unit, step: int, *, person=None, team=None, task="Vagtplan") -> Dosing:
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
        created_at=timezone.now(),
    )


def _people(unit, n: int, prefix: str) -> list[Person]:
    return Person.objects.bulk_create(
        Person(external_id=f"{prefix}{i}", name=f"{prefix} {i}", unit=unit) for i in range(n)
    )


def _everything_shown(client, units) -> dict:
    """(unit id -> shown total) over the API answers for every unit."""
    shown = {}
    for unit in units:
        response = client.get("/api/delegation/aggregate", {"unit_id": unit.pk})
        assert response.status_code == 200
        for group in response.json()["groups"]:
            if group["total"] is not None:
                # The same cell must never show two different figures.
                assert shown.setdefault(group["unit_id"], group["total"]) == group["total"]
    return shown


def _attack(org_units, counts, shown):
    nodes = [GroupNode(u.pk, u.parent_id, {ALL: counts.get(u.pk, 0)}) for u in org_units]
    visible = {(uid, ALL) for uid in shown}
    return span_attack(nodes, visible, (), K) + cover_attack(nodes, visible, (), K)


def test_the_leader_above_two_teams_cannot_be_subtracted_out(client, org, roles, settings):
    settings.TILLID_ANONYMITY_MIN_GROUP = K
    north = [*_people(org.team_north, 4, "N"), org.people["P2"], org.people["P3"]]
    south = [*_people(org.team_south, 4, "S"), org.people["P4"], org.people["P5"]]
    leader = org.people["P1"]  # placed in Plejecenter Egely itself
    Dosing.objects.bulk_create(
        [_dosing(org.team_north, 3, person=p) for p in north]
        + [_dosing(org.team_south, 3, person=p) for p in south]
        + [_dosing(org.care_home, 3, person=leader)]
    )
    assert client.login(username=roles.politician.username, password=PASSWORD)
    units = [org.care_home, org.team_north, org.team_south, org.elder, org.social, org.root]
    shown = _everything_shown(client, units)
    # 13 = 6 + 6 + 1 must not be on show: at most two of the three cells are.
    assert not {org.care_home.pk, org.team_north.pk, org.team_south.pk} <= set(shown)
    counts = {org.team_north.pk: 6, org.team_south.pk: 6, org.care_home.pk: 1}
    all_units = list(Unit.objects.all())
    assert _attack(all_units, counts, shown) == []
    # The institution itself keeps its figure: a team is hidden instead.
    assert shown.get(org.care_home.pk) == 13


@pytest.mark.parametrize("seed", range(5))
def test_random_organisations_show_no_small_group(client, org, roles, settings, seed):
    settings.TILLID_ANONYMITY_MIN_GROUP = K
    rng = random.Random(seed)
    units = [org.care_home]
    for i in range(rng.randint(4, 9)):
        parent = rng.choice(units)
        units.append(
            org_services.create_unit(
                external_id=f"R{seed}-{i}", name=f"Enhed {i}", kind=UnitKind.TEAM, parent=parent
            )
        )
    counts: dict[int, int] = {}
    dosings = []
    for n, unit in enumerate(units):
        size = rng.choice([0, 1, 2, 3, 5, 6, 8, 11])
        people = _people(unit, size, f"X{seed}-{n}-")
        for person in people:
            # Several tasks per person count once (the lowest step).
            for task in ("Vagtplan", "Indkøb")[: rng.randint(1, 2)]:
                dosings.append(_dosing(unit, rng.randint(1, 5), person=person, task=task))
        counts[unit.pk] = size
    Dosing.objects.bulk_create(dosings)
    assert client.login(username=roles.politician.username, password=PASSWORD)
    every_unit = list(Unit.objects.filter(is_active=True))
    shown = _everything_shown(client, every_unit)
    assert _attack(every_unit, counts, shown) == []
    assert all(total >= K for total in shown.values())
