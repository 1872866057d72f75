"""The trials outcome for the effect pages, `trials:running`, and the governance
items a trial suspends or changes in `effects.treatments` (`items`).

Hand-computed on a small tree with k = 5: every unit shows its headcount
except a team of two, which the engine hides and the outcome counts as left out.
"""

from datetime import date, datetime

import pytest
from django.utils import timezone, translation

from tillid.core.contracts import providers
from tillid.organisation import services as org_services
from tillid.organisation.models import Person, UnitKind
from tillid.trials.effects import RUNNING, outcome_values, outcomes, treatments
from tillid.trials.models import GovernanceLink, Stage, StageChange, Trial, TrialKind

pytestmark = pytest.mark.django_db

K = 5


def _people(unit, n, prefix):
    Person.objects.bulk_create(
        Person(external_id=f"{prefix}{i}", name=f"{prefix} {i}", unit=unit) for i in range(n)
    )


def _trial(unit, title, stage, start=None, end=None, **extra):
    return Trial.objects.create(
        title=title,
        question="Virker det?",
        unit=unit,
        stage=stage,
        start_date=start,
        end_date=end,
        **extra,
    )


def _moved(trial, to_stage, day):
    change = StageChange.objects.create(trial=trial, to_stage=to_stage)
    when = datetime(day.year, day.month, day.day, 12, tzinfo=timezone.get_current_timezone())
    StageChange.objects.filter(pk=change.pk).update(changed_at=when)


@pytest.fixture
def world(org, settings):
    settings.TILLID_ANONYMITY_MIN_GROUP = K
    # Headcounts: north 6, south 6, the institution's own 5, a team of 2 (hidden):
    # 19 under the institution; the school 5 own + 6 in Indskoling = 11; 30 in all.
    _people(org.team_north, 4, "N")
    _people(org.team_south, 4, "S")
    _people(org.care_home, 4, "C")
    _people(org.school, 4, "E")
    _people(org.primary, 5, "I")
    small = org_services.create_unit(
        external_id="EGELY-L", name="Team Lille", kind=UnitKind.TEAM, parent=org.care_home
    )
    _people(small, 2, "L")
    org.small = small
    # Runs in the first half of 2025 only.
    _trial(org.team_north, "T1", Stage.EVALUATED, date(2025, 2, 1), date(2025, 5, 31))
    # From mid-June 2025, still running.
    _trial(org.team_south, "T2", Stage.RUNNING, date(2025, 6, 15))
    # Started in August 2025, stopped on 1 October 2025 (no end date).
    t3 = _trial(org.care_home, "T3", Stage.STOPPED, date(2025, 8, 1))
    _moved(t3, Stage.RUNNING, date(2025, 8, 1))
    _moved(t3, Stage.STOPPED, date(2025, 10, 1))
    # In the hidden team, spring 2025: counts for the institution and above.
    _trial(small, "T6", Stage.EVALUATED, date(2025, 3, 1), date(2025, 4, 1))
    # No start date: running from the day it was moved to running, 15 September 2025.
    t7 = _trial(org.school, "T7", Stage.RUNNING)
    _moved(t7, Stage.RUNNING, date(2025, 9, 15))
    # Not counted: an idea with a planned start, and a trust test (about a person).
    _trial(org.primary, "T4", Stage.IDEA, date(2025, 3, 1))
    _trial(
        org.school,
        "T5",
        Stage.RUNNING,
        date(2025, 3, 1),
        kind=TrialKind.TRUST_TEST,
        subject_person=org.people["P6"],
    )
    return org


def _cells(result):
    return {(v["unit"], v["period"]): (v["value"], v["respondents"]) for v in result["values"]}


def test_registered_and_labelled():
    assert any(a == "trials" for a, _f in providers("effects.outcomes"))
    assert any(a == "trials" for a, _f in providers("effects.outcome_values"))
    with translation.override("da"):
        ((code, label),) = outcomes()
    assert code == RUNNING
    assert "halvår" in label


def test_running_per_100_employees_by_hand(world):
    org = world
    ids = [
        org.root.pk,
        org.social.pk,
        org.elder.pk,
        org.care_home.pk,
        org.team_north.pk,
        org.team_south.pk,
        org.small.pk,
        org.children.pk,
        org.school.pk,
        org.primary.pk,
    ]
    with translation.override("da"):
        result = outcome_values(outcome=RUNNING, unit_ids=ids, treatment=None)
    today = timezone.localdate()
    # Half-years that have ended, from the first of 2025; the current one is left out.
    halves = (today.year - 2025) * 2 + (0 if today.month <= 6 else 1)
    current = date(today.year, 1 if today.month <= 6 else 7, 1)
    assert current not in [p[2] for p in result["periods"]]
    assert [p[0] for p in result["periods"]] == list(range(1, halves + 1))
    assert result["periods"][:3] == [
        (1, "1. halvår 2025", date(2025, 1, 1)),
        (2, "2. halvår 2025", date(2025, 7, 1)),
        (3, "1. halvår 2026", date(2026, 1, 1)),
    ]
    cells = _cells(result)
    # (running trials, employees) per unit and half-year, counted by hand.
    expected = {
        # H1 2025: T1 north, T2 south (from 15 June), T6 in the hidden team.
        (org.team_north.pk, 1): (1, 6),
        (org.team_south.pk, 1): (1, 6),
        (org.care_home.pk, 1): (3, 19),
        (org.elder.pk, 1): (3, 19),
        (org.social.pk, 1): (3, 19),
        (org.school.pk, 1): (0, 11),
        (org.primary.pk, 1): (0, 6),
        (org.children.pk, 1): (0, 11),
        (org.root.pk, 1): (3, 30),
        # H2 2025: T2, T3 (August to October), T7 (from 15 September).
        (org.team_north.pk, 2): (0, 6),
        (org.team_south.pk, 2): (1, 6),
        (org.care_home.pk, 2): (2, 19),
        (org.elder.pk, 2): (2, 19),
        (org.social.pk, 2): (2, 19),
        (org.school.pk, 2): (1, 11),
        (org.primary.pk, 2): (0, 6),
        (org.children.pk, 2): (1, 11),
        (org.root.pk, 2): (3, 30),
        # H1 2026 and on: T2 and T7.
        (org.team_south.pk, 3): (1, 6),
        (org.care_home.pk, 3): (1, 19),
        (org.school.pk, 3): (1, 11),
        (org.root.pk, 3): (2, 30),
        (org.team_north.pk, 3): (0, 6),
    }
    for cell, (running, employees) in expected.items():
        assert cells[cell] == (pytest.approx(100 * running / employees), employees), cell
    # The team of two shows nothing in any half-year and is the one unit left out.
    assert not [c for c in cells if c[0] == org.small.pk]
    assert result["left_out"] == 1
    # Every other unit has a value in every half-year.
    assert len(cells) == 9 * halves


def test_other_outcome_and_nothing_to_count(org):
    assert outcome_values(outcome="delegation:dosing_steps", unit_ids=[org.root.pk]) is None
    assert outcome_values(outcome=RUNNING, unit_ids=[org.root.pk]) == {
        "periods": [],
        "values": [],
        "left_out": 0,
    }


def test_treatments_name_the_governance_items(org):
    trial = _trial(org.team_north, "Uden dobbeltregistrering", Stage.RUNNING, date(2025, 2, 1))
    for item_id, effect in ((7, "suspends"), (3, "changes"), (7, "changes"), (None, "changes")):
        GovernanceLink.objects.create(
            trial=trial, governance_item_id=item_id, title=f"Regel {item_id}", effect=effect
        )
    other = _trial(org.school, "Færre møder", Stage.RUNNING, date(2025, 3, 1))
    GovernanceLink.objects.create(
        trial=other, governance_item_id=11, title="Mødeplan", effect="suspends"
    )
    # Not started: its item touches no unit yet.
    idea = _trial(org.primary, "Idé", Stage.IDEA)
    GovernanceLink.objects.create(trial=idea, governance_item_id=99, title="X", effect="changes")
    found = treatments(trial_id=trial.pk)
    assert found["items"] == [7, 3]
    assert treatments(trial_id=idea.pk)["items"] == [99]
    group = treatments(group={"trials": True})
    assert group["items"] == [3, 7, 11]
    assert treatments(decision_id=1) is None
