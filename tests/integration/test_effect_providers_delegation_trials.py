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
    # The last ended half-year: the home's trial and the school's (1 per 6 employees).
    assert result.watch.after.mean == pytest.approx((20 + 100 / 6) / 8)
    assert result.before_label.startswith("1.")
    assert result.before_label.endswith("2025")
    # The last half-year that has ended (the current one can still change).
    today = timezone.localdate()
    ended = today.year if today.month > 6 else today.year - 1
    assert result.after_label.endswith(str(ended))
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


# --- figures that stay put: no one's step read from a figure's change over time ------


def _snapshot():
    """Per half-year (by its first day), every shown cell with its value and count."""
    from tillid.delegation.effects import DOSING_STEPS
    from tillid.organisation.models import Unit

    ids = list(Unit.objects.filter(is_active=True).values_list("id", flat=True))
    result = contracts.collect("effects.outcome_values", outcome=DOSING_STEPS, unit_ids=ids)
    (found,) = [r for _label, r in result if r is not None]
    first_day = {period: starts for period, _label, starts in found["periods"]}
    cells: dict = {}
    for v in found["values"]:
        cells.setdefault(first_day[v["period"]], set()).add(
            (v["unit"], round(v["value"], 9), v["respondents"])
        )
    return cells


def _unchanged_or_gone(before, after):
    """Every half-year shown both times shows exactly the same cells."""
    for starts, cells in before.items():
        if starts in after:
            assert after[starts] == cells, starts


def _home_of_dosed(org, prefix, when_steps):
    home = services.create_unit(
        external_id=prefix,
        name=f"Plejecenter {prefix}",
        kind=UnitKind.INSTITUTION,
        parent=org.elder,
    )
    people = _people(home, len(when_steps), prefix)
    Dosing.objects.bulk_create(
        _dosing(person, step, when) for person, (when, step) in zip(people, when_steps, strict=True)
    )
    return home


def test_a_dosing_recorded_today_changes_no_shown_figure(org, settings):
    settings.TILLID_ANONYMITY_MIN_GROUP = K
    contracts.clear_cache()
    closed = datetime(2026, 3, 10, 12, tzinfo=TZ)
    now = timezone.now()
    # Five dosed in a closed half-year, five in the current one so far.
    home = _home_of_dosed(org, "OPEN", [(closed, s) for s in (1, 2, 3, 4, 5)])
    for i, person in enumerate(_people(home, 5, "NOW")):
        _dosing(person, 2 + i % 3, now).save()
    before = _snapshot()
    assert date(2026, 1, 1) in before  # the closed half-year is shown
    # The current half-year is not offered while it can still change.
    current = date(now.year, 1 if timezone.localdate().month <= 6 else 7, 1)
    assert current not in before
    # A sixth person is dosed today: were the current half-year shown, its
    # figure would move from 5 to 6 subjects and give away the new step.
    (newcomer,) = _people(home, 1, "NEW")
    _dosing(newcomer, 5, timezone.now()).save()
    after = _snapshot()
    _unchanged_or_gone(before, after)
    assert before == after


def test_anonymising_old_dosings_never_erodes_a_shown_figure(org, settings):
    from tillid.delegation import services as delegation_services

    settings.TILLID_ANONYMITY_MIN_GROUP = K
    contracts.clear_cache()
    february = datetime(2025, 2, 1, 12, tzinfo=TZ)
    april = datetime(2025, 4, 1, 12, tzinfo=TZ)
    # Six dosed in the first half of 2025: one in February, five in April.
    _home_of_dosed(org, "OLD", [(february, 5)] + [(april, s) for s in (1, 2, 2, 3, 3)])
    before = _snapshot()
    # Retention of 21 months: the February dosing goes, the April ones stay.
    done = delegation_services.anonymise_expired(months=21)
    assert done
    assert Dosing.objects.filter(anonymised_at__isnull=False).count() == 1
    after = _snapshot()
    # Had the half-year stayed with five subjects, 6 * before - 5 * after = 5.
    _unchanged_or_gone(before, after)
