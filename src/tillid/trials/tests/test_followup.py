"""The trials' follow-up loop (evaluation, then spread or stop), their indicators for the
citizens track, and the exemptions they put on the published list, worked out by hand."""

import datetime as dt

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from tillid.core import contracts
from tillid.core.indicators import Measure, Period, Scope, Status, Track
from tillid.organisation.testing import PASSWORD
from tillid.trials import followup, published, services
from tillid.trials import indicators as ti
from tillid.trials.models import CriteriaMet, GovernanceEffect, Stage, StageChange, Trial

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


def _at(days: int):
    return timezone.now() - dt.timedelta(days=days)


def _trial(org, roles, title, *, kinds=("employees",), unit=None, created=200):
    trial = services.propose_trial(
        proposed_by=roles.employee,
        unit=unit or org.team_north,
        title=title,
        question="Hvad sker der, når teamet selv planlægger?",
        origin="employee",
        area="coordination",
        participant_kinds=list(kinds),
    )
    Trial.objects.filter(pk=trial.pk).update(created_at=_at(created))
    StageChange.objects.filter(trial=trial).update(changed_at=_at(created))
    trial.refresh_from_db()
    return trial


def _move(trial, stage, days, by, **extra):
    services.transition(trial=trial, to_stage=stage, by=by, **extra)
    StageChange.objects.filter(trial=trial, to_stage=stage).update(changed_at=_at(days))
    trial.refresh_from_db()


def _run(trial, roles, days, *, end=None):
    services.approve(trial=trial, by=roles.leader)
    StageChange.objects.filter(trial=trial, to_stage=Stage.APPROVED).update(
        changed_at=_at(days + 5)
    )
    _move(trial, Stage.RUNNING, days, roles.leader)
    Trial.objects.filter(pk=trial.pk).update(start_date=ago(days), end_date=end)
    trial.refresh_from_db()
    return trial


def _evaluate(trial, roles, days, criteria=CriteriaMet.YES):
    services.record_evaluation(
        trial=trial, what_worked="Ro", evidence="Logbog", criteria_met=criteria, by=roles.leader
    )
    StageChange.objects.filter(trial=trial, to_stage=Stage.EVALUATED).update(changed_at=_at(days))
    trial.refresh_from_db()


# --- the follow-up loop ----------------------------------------------------------------


def test_a_running_trial_owes_its_evaluation_by_its_end_then_a_decision(org, roles):
    trial = _run(_trial(org, roles, "Selvplanlagte besøg"), roles, 100, end=ago(10))
    (due,) = followup.followups(scope=None, owner_id=roles.leader.pk, today=TODAY)
    assert (due.kind, due.due_on, due.owner_id, due.done) == (
        "trial_evaluation",
        ago(10),
        roles.leader.pk,
        False,
    )
    assert due.is_late(TODAY)
    assert due.url == reverse("trials:detail", args=[trial.pk])
    _evaluate(trial, roles, 5)
    found = {
        f.kind: f for f in followup.followups(scope=None, owner_id=roles.leader.pk, today=TODAY)
    }
    assert (found["trial_evaluation"].done, found["trial_evaluation"].done_on) == (True, ago(5))
    decision = found["trial_decision"]
    assert (decision.due_on, decision.done) == (ago(5) + dt.timedelta(days=30), False)
    services.transition(trial=trial, to_stage=Stage.STOPPED, by=roles.leader, reason="Ikke nok.")
    found = {
        f.kind: f for f in followup.followups(scope=None, owner_id=roles.leader.pk, today=TODAY)
    }
    assert (found["trial_decision"].done, found["trial_decision"].done_on) == (True, TODAY)


def test_without_an_end_date_the_evaluation_is_due_half_a_year_after_the_start(org, roles):
    _run(_trial(org, roles, "Uden slutdato"), roles, 30)
    (due,) = followup.followups(scope=None, owner_id=None, today=TODAY)
    assert due.due_on == ago(30) + dt.timedelta(days=180)
    school = Scope(unit_id=org.school.pk, path=org.school.path)
    assert followup.followups(scope=school, owner_id=None, today=TODAY) == []


def test_the_manager_sets_other_follow_up_dates(client, org, roles):
    trial = _run(_trial(org, roles, "Datoer"), roles, 30)
    url = reverse("trials:follow_up", args=[trial.pk])
    assert client.login(username=roles.employee.username, password=PASSWORD)
    assert client.get(url).status_code == 403
    assert client.login(username=roles.leader.username, password=PASSWORD)
    response = client.post(
        url,
        {
            "evaluation_due_on": (TODAY + dt.timedelta(days=60)).isoformat(),
            "decision_due_on": (TODAY + dt.timedelta(days=30)).isoformat(),
        },
    )
    assert "Beslutningen kan ikke have frist før evalueringen." in response.content.decode()
    response = client.post(
        url,
        {"evaluation_due_on": (TODAY + dt.timedelta(days=60)).isoformat(), "decision_due_on": ""},
    )
    assert response.status_code == 302
    trial.refresh_from_db()
    assert trial.evaluation_due_on == TODAY + dt.timedelta(days=60)
    page = client.get(reverse("trials:detail", args=[trial.pk])).content.decode()
    assert 'data-testid="follow-up"' in page
    assert url in page
    with pytest.raises(ValidationError):
        services.set_follow_up_dates(trial=trial, evaluation_due_on=ago(400), decision_due_on=None)


# --- the citizens track --------------------------------------------------------------------


@pytest.fixture
def trials(org, roles):
    """Trials in Team Nord over the last year, the indicators' period the last 180 days."""
    a = _run(
        _trial(org, roles, "A: borgerens dagsorden", kinds=("citizens",)), roles, 100, end=ago(10)
    )
    b = _run(_trial(org, roles, "B: vagtplan"), roles, 90, end=ago(-60))
    c = _run(_trial(org, roles, "C: pårørendekaffe", kinds=("relatives",)), roles, 150, end=ago(60))
    _evaluate(c, roles, 50)
    services.adopt(trial=c, unit=org.team_south, by=roles.leader)
    StageChange.objects.filter(trial=c, to_stage=Stage.SPREADING).update(changed_at=_at(20))
    c.adoptions.update(adopted_on=ago(20))
    d = _trial(org, roles, "D: motionshold", kinds=("volunteers",), created=400)
    services.transition(
        trial=d, to_stage=Stage.STOPPED, by=roles.leader, reason="Ingen frivillige."
    )
    StageChange.objects.filter(trial=d, to_stage=Stage.STOPPED).update(changed_at=_at(300))
    e = _run(_trial(org, roles, "E: morgenmøde"), roles, 120, end=ago(40))
    _evaluate(e, roles, 45, criteria=CriteriaMet.NO)
    return {"a": a, "b": b, "c": c, "d": d, "e": e}


def by_code(unit=None, period=None) -> dict:
    period = period or Period(ago(179), TODAY)
    scope = Scope() if unit is None else Scope(unit_id=unit.pk, path=unit.path)
    return {i.code: i for i in ti.indicators(scope=scope, period=period, today=TODAY)}


def test_trials_with_citizens_by_stage(org, trials):
    found = by_code()["trials.with_citizens"]
    # Active in the period: A, B, C, E (D was stopped before it); with citizens: A and C.
    assert (found.value, found.measure, found.track) == (2, Measure.COUNT, Track.CITIZENS)
    assert dict(found.parts)["I gang"] == 1
    assert dict(found.parts)["Udbredes"] == 1
    assert found.status == Status.ON_TRACK  # 2 of 4: from 30 %
    assert by_code(org.school)["trials.with_citizens"].organisation_value == 2
    assert by_code(period=Period(ago(400), ago(290)))["trials.with_citizens"].value == 1  # D


def test_trials_spread_to_other_units(org, trials):
    found = by_code()["trials.spread"]
    # C worked and spread; E did not work; A and B are not evaluated.
    assert (found.value, found.status) == (1, Status.ON_TRACK)
    assert dict(found.parts) == {
        "Overtaget i perioden": 1,
        "Enheder, der overtog en i perioden": 1,
    }
    assert found.trend[-1].value == 1
    assert found.url == reverse("trials:list") + "?stage=spreading"


def test_evaluations_and_decisions_on_time(org, trials):
    found = by_code()
    evaluated = found["trials.evaluated_on_time"]
    # Due in the period: A (10 days ago, still owed), C (60 ago, done 50 ago: late),
    # E (40 ago, done 45 ago: on time).
    assert dict(evaluated.parts) == {"Til tiden": 1, "For sent": 1, "Mangler stadig": 1}
    assert evaluated.value == pytest.approx(1 / 3)
    assert evaluated.status == Status.BEHIND
    decided = found["trials.decided_on_time"]
    # C: due 20 days ago, spread 20 days ago (on time); E: due 15 days ago, still owed.
    assert dict(decided.parts) == {"Til tiden": 1, "For sent": 0, "Mangler stadig": 1}
    assert decided.status == Status.WATCH


def test_trials_offer_their_indicators_and_follow_ups(org, trials):
    offered = dict(
        contracts.collect("overview.indicators", scope=Scope(), period=Period(ago(179), TODAY))
    )
    assert [i.code for i in offered["trials"]] == [
        "trials.with_citizens",
        "trials.spread",
        "trials.evaluated_on_time",
        "trials.decided_on_time",
    ]
    follow = dict(
        contracts.collect("overview.followups", scope=Scope(), owner_id=None, today=TODAY)
    )
    late = {f.title for f in follow["trials"] if f.is_late(TODAY)}
    assert late == {"A: borgerens dagsorden", "E: morgenmøde"}


# --- the published list --------------------------------------------------------------


@pytest.fixture
def register(monkeypatch):
    """A stand-in governance register answering "trials.exemption_figures"."""
    asked = []

    def figures(*, items_by_unit):
        asked.append(items_by_unit)
        return {
            unit: {
                i: {"layer": "Forvaltning eller område", "hours": 12.5, "dkk": 5625.0} for i in ids
            }
            for unit, ids in items_by_unit.items()
        }

    for config in apps.get_app_configs():
        if "trials.exemption_figures" in getattr(config, "provides", {}):
            monkeypatch.setattr(config, "provides", {}, raising=False)
    monkeypatch.setattr(
        apps.get_app_config("trials"),
        "provides",
        {"trials.exemption_figures": f"{__name__}._figures"},
        raising=False,
    )
    monkeypatch.setitem(globals(), "_figures", figures)
    contracts.clear_cache()
    yield asked
    contracts.clear_cache()


def test_every_exemption_granted_by_a_trial_is_listed(org, roles, register):
    trial = _run(_trial(org, roles, "Frie timer"), roles, 40)
    services.link_governance(
        trial=trial,
        title="Ydelsesregistrering",
        effect=GovernanceEffect.SUSPENDS,
        governance_item_id=7,
        note="Teamet registrerer ikke ydelser i prøveperioden.",
    )
    services.link_governance(
        trial=trial, title="Besøgsplan", effect=GovernanceEffect.CHANGES, governance_item_id=8
    )
    idea = _trial(org, roles, "Kun en idé")
    services.link_governance(trial=idea, title="Noget", effect=GovernanceEffect.SUSPENDS)
    lines = published.decisions(scope=Scope(), period=Period(ago(364), TODAY))
    assert [(d.title, d.kind, d.decided_on, d.hours_freed) for d in lines] == [
        ("Besøgsplan", "exemption", ago(45), None),
        ("Ydelsesregistrering", "exemption", ago(45), 12.5),
    ]
    suspended = lines[1]
    assert (suspended.layer, suspended.dkk_freed, suspended.unit_names) == (
        "Forvaltning eller område",
        5625.0,
        ["Team Nord"],
    )
    assert suspended.rationale == "Teamet registrerer ikke ydelser i prøveperioden."
    assert suspended.decision == "Sat ud af kraft under prøvehandlingen"
    assert register == [{org.team_north.pk: [7, 8]}]
    assert published.decisions(scope=Scope(), period=Period(ago(30), TODAY)) == []
