"""Each trials write that spans several tables saves all or nothing."""

import pytest
from django.utils import timezone

from tillid.core.tests.atomic import LastStepFailed, fail_manager, fail_update, snapshot
from tillid.trials import services
from tillid.trials.models import CriteriaMet, ObservationKind, Stage, StageTask, Trial
from tillid.trials.tests.test_flow import _propose, _run

pytestmark = pytest.mark.django_db


def test_propose_trial(org, roles, monkeypatch):
    before = snapshot("trials")
    fail_manager(monkeypatch, StageTask, "bulk_create")  # the stage's tasks come last
    with pytest.raises(LastStepFailed):
        _propose(org, roles.employee)
    assert snapshot("trials") == before


def test_transition(org, roles, monkeypatch):
    trial = _propose(org, roles.employee)
    services.approve(trial=trial, by=roles.leader)
    before = snapshot("trials")
    fail_manager(monkeypatch, StageTask, "bulk_create")
    with pytest.raises(LastStepFailed):
        services.transition(trial=trial, to_stage=Stage.RUNNING, by=roles.leader)
    assert snapshot("trials") == before


def test_adopt(org, roles, monkeypatch):
    trial = _run(org, roles, _propose(org, roles.employee))
    services.add_observation(
        trial=trial,
        kind=ObservationKind.EFFECT,
        text="Færre overleveringer",
        observed_on=timezone.localdate(),
        by=roles.employee,
    )
    services.record_evaluation(
        trial=trial,
        what_worked="Faste teams",
        evidence="Observationer",
        criteria_met=CriteriaMet.YES,
        by=roles.leader,
    )
    trial.refresh_from_db()
    before = snapshot("trials")
    fail_manager(monkeypatch, StageTask, "bulk_create")  # inside the move to spreading
    with pytest.raises(LastStepFailed):
        services.adopt(trial=trial, unit=org.team_south, by=roles.leader)
    assert snapshot("trials") == before


def test_record_trust_outcome(org, roles, monkeypatch):
    test = services.plan_trust_test(
        by=roles.leader,
        task="Planlægge vagter",
        step_from=2,
        step_to=3,
        risk="low",
        subject_person=org.people["P2"],
        start_date=timezone.localdate(),  # it has started: its outcome may be recorded
    )
    before = snapshot("trials")
    fail_update(monkeypatch, Trial)  # the stage comes last
    with pytest.raises(LastStepFailed):
        services.record_trust_outcome(trial=test, outcome="held", note="Godt", by=roles.leader)
    assert snapshot("trials") == before
