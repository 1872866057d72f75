"""The inequality watch (overview.effects.data.watch_data) with the outcomes of
delegation (`delegation:dosing_steps`) and trials (`trials:running`), through the
contracts, on a small organisation: six care homes of five people dosed in two
half-years, a care home of two whose headcount the engine hides, and two trials.
"""

from datetime import date, datetime

import pytest
from django.utils import timezone

from tillid.core import contracts
from tillid.delegation.models import Dosing
from tillid.organisation import services
from tillid.organisation.models import Person, UnitKind
from tillid.organisation.permissions import Scope
from tillid.overview.effects.data import outcome_choices, outcome_values, watch_data
from tillid.trials.models import Stage, Trial

pytestmark = pytest.mark.django_db

K = 5
TZ = timezone.get_current_timezone()
SPRING = datetime(2025, 3, 10, 12, tzinfo=TZ)
AUTUMN = datetime(2025, 9, 10, 12, tzinfo=TZ)
# Each home's five people share one step per half-year.
SPRING_STEPS = [1, 2, 2, 3, 3, 4]  # mean 2.5
AUTUMN_STEPS = [2, 2, 3, 4, 4, 5]  # mean 20 / 6


def _people(unit, n, prefix):
    return Person.objects.bulk_create(
        Person(external_id=f"{prefix}{i}", name=f"{prefix} {i}", unit=unit) for i in range(n)
    )


def _dosing(person, step, when):
    return Dosing(
        subject_person=person,
        unit=person.unit,
        task="Vagtplan",
        competence=3,
        intention=3,
        resources=3,
        consequence=1,
        reversibility=1,
        suggested_step=step,
        chosen_step=step,
        created_at=when,
    )


@pytest.fixture
def world(org, settings):
    settings.TILLID_ANONYMITY_MIN_GROUP = K
    contracts.clear_cache()
    # Headcounts: Plejecenter Egely 5 (its leader and the two teams of two),
    # Egeskolen 6 (4 more of its own), five people placed in Ældreområdet itself,
    # so the small home's two join them there and only the small home is hidden.
    _people(org.school, 4, "E")
    _people(org.elder, 5, "A")
    homes = [
        services.create_unit(
            external_id=f"HOME{i}",
            name=f"Plejecenter {i}",
            kind=UnitKind.INSTITUTION,
            parent=org.elder,
        )
        for i in range(1, 7)
    ]
    small = services.create_unit(
        external_id="LILLE", name="Plejecenter Lille", kind=UnitKind.INSTITUTION, parent=org.elder
    )
    _people(small, 2, "L")
    rows = []
    for h, home in enumerate(homes):
        for person in _people(home, 5, f"H{h}-"):
            rows.append(_dosing(person, SPRING_STEPS[h], SPRING))
            rows.append(_dosing(person, AUTUMN_STEPS[h], AUTUMN))
    Dosing.objects.bulk_create(rows)
    # A trial in the first home from February 2025 and one in the school from
    # September 2025, both still running.
    for unit, start in ((homes[0], date(2025, 2, 1)), (org.school, date(2025, 9, 1))):
        Trial.objects.create(
            title=f"Forsøg i {unit.name}",
            question="Virker det?",
            unit=unit,
            stage=Stage.RUNNING,
            start_date=start,
        )
    return homes, small


def test_the_new_outcomes_are_offered(world):
    codes = [code for code, _label in outcome_choices()]
    assert "delegation:dosing_steps" in codes
    assert "trials:running" in codes


def test_watch_on_dosing_steps(org, world):
    result = watch_data(
        outcome="delegation:dosing_steps",
        within=None,
        kind=UnitKind.INSTITUTION,
        scope=Scope(everything=True),
        draws=99,
    )
    assert result.watch is not None
    assert result.before_label.startswith("1.")
    assert result.before_label.endswith("2025")
    assert result.after_label.startswith("2.")
    assert result.after_label.endswith("2025")
    # The six homes; Egely, Egeskolen and the small home have no one dosed (hidden).
    assert result.units == 6
    assert result.left_out == 3
    assert result.watch.before.units == result.watch.after.units == 6
    assert result.watch.before.mean == pytest.approx(2.5)
    assert result.watch.after.mean == pytest.approx(20 / 6)
    assert result.watch.before.median == pytest.approx(2.5)


def test_watch_on_trials_running(org, world):
    homes, small = world
    result = watch_data(
        outcome="trials:running",
        within=None,
        kind=UnitKind.INSTITUTION,
        scope=Scope(everything=True),
        draws=99,
    )
    assert result.watch is not None
    # Egely, Egeskolen and the six homes show their headcount; the small home does not.
    assert result.units == 8
    assert result.left_out == 1
    # First half of 2025: only the first home (1 trial per 5 employees = 20 per 100).
    assert result.watch.before.mean == pytest.approx(20 / 8)
    # The current half-year: the home's trial and the school's (1 per 6 employees).
    assert result.watch.after.mean == pytest.approx((20 + 100 / 6) / 8)
    assert result.before_label.startswith("1.")
    assert result.before_label.endswith("2025")
    today = timezone.localdate()
    assert result.after_label.endswith(str(today.year))
    gathered = outcome_values("trials:running", [small.pk, homes[0].pk])
    assert gathered["left_out"] == 1


def test_watch_within_an_area(org, world):
    # Within Ældreområdet: the six homes, Egely and the small home.
    result = watch_data(
        outcome="delegation:dosing_steps",
        within=org.elder,
        kind=UnitKind.INSTITUTION,
        scope=Scope(everything=True),
        draws=99,
    )
    assert result.units == 6
    assert result.left_out == 2
