import datetime as dt
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone
from django.utils.module_loading import import_string

from tillid.core.indicators import Period, Scope
from tillid.delegation import indicators as delegation_indicators
from tillid.delegation.models import Breach, Dosing, RecordRead
from tillid.organisation.management.commands import demo_municipality as command
from tillid.trials import indicators, selectors
from tillid.trials.models import Adoption, Stage, Trial, TrialKind


@pytest.mark.django_db
def test_demo_builds_trials_and_dosing_for_the_demo_leader(monkeypatch):
    monkeypatch.setattr(
        command,
        "demo_builders",
        lambda: [
            (apps.get_app_config(label), apps.get_app_config(label).demo_builder)
            for label in ("trials", "delegation")
        ],
    )
    out = StringIO()
    call_command("demo_municipality", "--employees", "300", "--seed", "3", stdout=out)
    trials = Trial.objects.filter(kind=TrialKind.TRIAL, parent__isnull=True)
    assert trials.count() == 75
    assert set(trials.values_list("stage", flat=True)) == set(Stage.values)
    assert Adoption.objects.exists()
    leader = get_user_model().objects.get(username="leder")
    assert selectors.waiting_for_leader(leader, _scope(leader)).exists()
    assert Dosing.objects.filter(decided_by=leader).count() >= 10
    assert Trial.objects.filter(kind=TrialKind.TRUST_TEST).exists()
    # The demo employee's team has a trust test of its own, which they read.
    employee = get_user_model().objects.get(username="medarbejder")
    team_tests = Trial.objects.filter(kind=TrialKind.TRUST_TEST, subject_unit=employee.person.unit)
    assert team_tests.exists()
    assert set(team_tests) <= set(selectors.visible_trials(employee))
    assert Breach.objects.exclude(adjusted_dosing=None).exists()
    assert "75 prøvehandlinger" in out.getvalue()
    # History for the overview: trials with citizens, spread over time, evaluations due.
    today = timezone.localdate()
    found = {
        i.code: i
        for i in indicators.indicators(
            scope=Scope(), period=Period(today - dt.timedelta(days=729), today)
        )
    }
    assert found["trials.with_citizens"].value > 10
    assert found["trials.spread"].value > 5
    assert len({p.value for p in found["trials.spread"].trend}) >= 3  # it grew over time
    assert found["trials.evaluated_on_time"].value is not None
    assert Adoption.objects.filter(adopted_on__lt=today - dt.timedelta(days=60)).exists()
    (reviews,) = delegation_indicators.indicators(
        scope=Scope(), period=Period(today - dt.timedelta(days=729), today)
    )
    assert reviews.value is not None
    assert 0 < reviews.value < 1  # some reviewed on time, some late or not yet

    # Deterministic for a seed: the same trials and dosings when built again.
    before = _signature()
    RecordRead.objects.all().delete()
    Breach.objects.all().delete()
    Dosing.objects.all().delete()
    Trial.objects.all().delete()
    for label in ("trials", "delegation"):
        import_string(apps.get_app_config(label).demo_builder)(seed=3, log=lambda line: None)
    assert _signature() == before


def _signature():
    trials = list(
        Trial.objects.order_by("pk").values_list(
            "title", "unit_id", "stage", "owner_id", "subject_person_id", "outcome"
        )
    )
    dosings = list(
        Dosing.objects.order_by("pk").values_list(
            "subject_person_id", "task", "chosen_step", "suggested_step", "reason"
        )
    )
    adoptions = sorted(Adoption.objects.values_list("trial__title", "unit_id"))
    return trials, dosings, adoptions


def _scope(user):
    from tillid.organisation.permissions import Perm, scope_for

    return scope_for(user, Perm.MANAGE_TRIALS)
