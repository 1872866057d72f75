import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tillid.organisation.models import Person
from tillid.trials import access, selectors, services
from tillid.trials.models import (
    CriteriaMet,
    GovernanceEffect,
    ObservationKind,
    Stage,
    StageChange,
    Trial,
)
from tillid.trials.rules import own_progress, rolled_up_progress

pytestmark = pytest.mark.django_db


def _propose(org, user, **extra):
    return services.propose_trial(
        proposed_by=user,
        unit=extra.pop("unit", org.team_north),
        title=extra.pop("title", "Frie timer i hjemmeplejen"),
        question="Hvordan koordinerer vi bedre i borgerens eget hjem?",
        origin="employee",
        area="coordination",
        participant_kinds=["employees", "citizens"],
        success_criteria="Færre overleveringer",
        **extra,
    )


def _run(org, roles, trial):
    services.approve(trial=trial, by=roles.leader)
    services.transition(trial=trial, to_stage=Stage.RUNNING, by=roles.leader)
    trial.refresh_from_db()
    return trial


def test_full_life_cycle_keeps_every_stage_change(org, roles):
    trial = _propose(org, roles.employee)
    assert trial.stage == Stage.IDEA
    assert trial.tasks.filter(stage=Stage.IDEA).count() == 1
    trial = _run(org, roles, trial)
    assert trial.owner == org.people["P1"]  # the approving leader by default
    assert trial.start_date == timezone.localdate()
    services.add_observation(
        trial=trial,
        kind=ObservationKind.EFFECT,
        text="Borgerne møder færre ansigter",
        observed_on=timezone.localdate(),
        by=roles.employee,
    )
    services.record_evaluation(
        trial=trial,
        what_worked="Faste teams",
        evidence="Tre observationer",
        criteria_met=CriteriaMet.YES,
        by=roles.leader,
    )
    trial.refresh_from_db()
    assert trial.stage == Stage.EVALUATED
    services.adopt(trial=trial, unit=org.team_south, by=roles.leader)
    trial.refresh_from_db()
    assert trial.stage == Stage.SPREADING
    assert selectors.spread_count(trial) == 1
    stages = list(trial.stage_changes.values_list("to_stage", flat=True))
    assert stages == [
        Stage.IDEA,
        Stage.APPROVED,
        Stage.RUNNING,
        Stage.EVALUATED,
        Stage.SPREADING,
    ]
    # Each entered stage adds the owner's tasks with due dates.
    assert trial.tasks.filter(stage=Stage.RUNNING, due_date__isnull=False).count() == 2
    # django-simple-history keeps the row's versions as well.
    assert trial.history.count() >= 4


def test_cannot_skip_a_stage(org, roles):
    trial = _propose(org, roles.employee)
    with pytest.raises(ValidationError):
        services.transition(trial=trial, to_stage=Stage.RUNNING, by=roles.leader)
    trial.refresh_from_db()
    assert trial.stage == Stage.IDEA
    assert StageChange.objects.filter(trial=trial).count() == 1


def test_evaluated_needs_an_evaluation(org, roles):
    trial = _run(org, roles, _propose(org, roles.employee))
    with pytest.raises(ValidationError):
        services.transition(trial=trial, to_stage=Stage.EVALUATED, by=roles.leader)


def test_send_back_one_stage_needs_a_reason_and_is_logged(org, roles):
    trial = _run(org, roles, _propose(org, roles.employee))
    with pytest.raises(ValidationError):
        services.transition(trial=trial, to_stage=Stage.APPROVED, by=roles.leader)
    change = services.transition(
        trial=trial, to_stage=Stage.APPROVED, by=roles.leader, reason="Rammen er uklar"
    )
    assert change.is_send_back
    trial.refresh_from_db()
    assert trial.stage == Stage.APPROVED
    services.transition(trial=trial, to_stage=Stage.RUNNING, by=roles.leader)
    # Back two stages in one move is not allowed.
    with pytest.raises(ValidationError):
        services.transition(trial=trial, to_stage=Stage.IDEA, by=roles.leader, reason="x")


def test_stopped_trial_goes_back_to_where_it_stopped(org, roles):
    trial = _run(org, roles, _propose(org, roles.employee))
    with pytest.raises(ValidationError):
        services.transition(trial=trial, to_stage=Stage.STOPPED, by=roles.leader)
    services.transition(trial=trial, to_stage=Stage.STOPPED, by=roles.leader, reason="Ingen tid")
    trial.refresh_from_db()
    assert selectors.allowed_moves(trial)["back"] == Stage.RUNNING
    services.transition(trial=trial, to_stage=Stage.RUNNING, by=roles.leader, reason="Ny chance")
    trial.refresh_from_db()
    assert trial.stage == Stage.RUNNING


def test_observations_only_while_running(org, roles):
    trial = _propose(org, roles.employee)
    with pytest.raises(ValidationError):
        services.add_observation(
            trial=trial,
            kind=ObservationKind.PROCESS,
            text="x",
            observed_on=timezone.localdate(),
            by=roles.employee,
        )


def test_adoption_rules(org, roles):
    trial = _run(org, roles, _propose(org, roles.employee))
    with pytest.raises(ValidationError):
        services.adopt(trial=trial, unit=org.team_south, by=roles.leader)
    services.record_evaluation(
        trial=trial, what_worked="a", evidence="b", criteria_met="yes", by=roles.leader
    )
    with pytest.raises(ValidationError):
        services.adopt(trial=trial, unit=org.team_north, by=roles.leader)  # its own unit
    services.adopt(trial=trial, unit=org.school, by=roles.leader)
    with pytest.raises(ValidationError):
        services.adopt(trial=trial, unit=org.school, by=roles.leader)
    assert trial.adoptions.count() == 1


def test_dates_must_be_in_order(org, roles):
    with pytest.raises(ValidationError):
        _propose(
            org,
            roles.employee,
            start_date=dt.date(2026, 5, 1),
            end_date=dt.date(2026, 4, 1),
        )
    assert not Trial.objects.exists()


def test_progress_rolls_up_from_milestones_and_sub_trials(org, roles):
    parent = _run(org, roles, _propose(org, roles.employee, title="Koordinering"))
    child = _propose(org, roles.employee, title="Modtagelse efter udskrivelse", parent=parent)
    milestone = services.add_milestone(trial=parent, title="Første måned", due_date=None)
    services.add_milestone(trial=parent, title="Anden måned", due_date=None)
    services.set_milestone_done(milestone=milestone, done=True)
    assert own_progress(Stage.RUNNING, 1, 2) == pytest.approx(0.5)
    # The owner's tasks count as work too: done of (tasks + milestones).
    tasks = list(parent.tasks.all())
    done = 1 + sum(1 for t in tasks if t.is_done)
    own = own_progress(Stage.RUNNING, done, len(tasks) + 2)
    assert selectors.progress(parent) == pytest.approx(rolled_up_progress(own, [0.0]))
    services.approve(trial=child, by=roles.leader)
    parent.refresh_from_db()
    child_own = own_progress(Stage.APPROVED, 0, child.tasks.count())
    assert selectors.progress(parent) == pytest.approx((own + child_own) / 2)


def test_rolled_up_progress_is_a_mean():
    assert rolled_up_progress(1.0, []) == 1.0
    assert rolled_up_progress(0.0, [1.0, 0.5]) == pytest.approx(0.5)
    assert own_progress(Stage.IDEA, 0, 0) == 0.0
    assert own_progress(Stage.SPREADING, 0, 4) == pytest.approx(0.5)


def test_a_trial_cannot_be_its_own_ancestor(org, roles):
    parent = _propose(org, roles.employee, title="A")
    child = _propose(org, roles.employee, title="B", parent=parent)
    with pytest.raises(ValidationError):
        services.update_trial(trial=parent, changes={"parent": child})


def test_governance_link_shows_as_exemption(org, roles):
    trial = _run(org, roles, _propose(org, roles.employee))
    services.link_governance(
        trial=trial,
        governance_item_id=42,
        title="Faste minutter pr. ydelse",
        effect=GovernanceEffect.SUSPENDS,
        note="Teamet planlægger selv besøgene",
    )
    exemptions = selectors.exemptions_for_item(42)
    assert [e.trial_title for e in exemptions] == [trial.title]
    assert exemptions[0].effect == GovernanceEffect.SUSPENDS
    assert selectors.exemptions_for_item(42, active_only=True)
    assert selectors.exemptions_for_item(43) == []
    found = selectors.search_trials(roles.employee, governance="yes")
    assert list(found) == [trial]
    assert list(selectors.search_trials(roles.employee, governance_item_id=42)) == [trial]


def test_nearest_leader_walks_up_the_tree(org):
    unit, leaders = selectors.nearest_leaders(org.team_north)
    assert unit == org.care_home
    assert leaders == [org.people["P1"]]
    unit, leaders = selectors.nearest_leaders(org.team_south)
    assert unit == org.team_south


def _weekend_shifts_for_p2(org, roles):
    """The leader's trust test of P2 (Team Nord): planning weekend shifts, step 2 to 3."""
    return services.plan_trust_test(
        by=roles.leader,
        subject_person=org.people["P2"],
        task="Planlægge weekendvagter",
        step_from=2,
        step_to=3,
        risk="medium",
    )


def test_trust_test_moves_to_evaluated_with_outcome(org, roles):
    test = _weekend_shifts_for_p2(org, roles)
    assert test.stage == Stage.APPROVED
    with pytest.raises(ValidationError):
        services.plan_trust_test(
            by=roles.leader,
            subject_person=org.people["P2"],
            task="x",
            step_from=3,
            step_to=3,
            risk="low",
        )
    # Not before it has been tried: a planned test without a start date is started first.
    with pytest.raises(ValidationError, match="Sæt tillidstesten i gang"):
        services.record_trust_outcome(trial=test, outcome="held", note="", by=roles.leader)
    test.refresh_from_db()
    assert test.stage == Stage.APPROVED
    assert not test.outcome
    services.start_trust_test(trial=test, by=roles.leader)
    services.record_trust_outcome(trial=test, outcome="held", note="Gik fint", by=roles.leader)
    test.refresh_from_db()
    assert test.stage == Stage.EVALUATED
    assert list(test.stage_changes.values_list("to_stage", flat=True)) == [
        Stage.APPROVED,
        Stage.RUNNING,
        Stage.EVALUATED,
    ]
    assert list(selectors.trust_tests_for(person=org.people["P2"])) == [test]


def test_trust_tests_are_hidden_from_colleagues(org, roles, person_user):
    test = _weekend_shifts_for_p2(org, roles)
    colleague = person_user(Person.objects.get(external_id="P3"))
    sibling_leader = person_user(org.people["P5"])
    assert test not in selectors.visible_trials(colleague)
    assert test not in selectors.visible_trials(sibling_leader)
    assert test not in selectors.visible_trials(roles.politician)
    assert test not in selectors.visible_trials(roles.administrator)
    assert test in selectors.visible_trials(roles.leader)
    assert test in selectors.visible_trials(roles.employee)  # the person concerned


def test_a_team_trust_test_is_read_by_the_team_and_no_one_else(org, roles, person_user):
    test = services.plan_trust_test(
        by=roles.leader,
        subject_unit=org.team_north,
        task="Teamet planlægger selv besøgsruten",
        step_from=2,
        step_to=3,
        risk="low",
    )
    member = person_user(org.people["P3"])  # Team Nord, like roles.employee
    sibling_team = person_user(org.people["P4"])  # Team Syd, same plejecenter
    assert test in selectors.visible_trials(roles.employee)
    assert test in selectors.visible_trials(member)
    assert access.can_view(member, test)
    assert not access.can_manage(member, test)
    assert not access.can_contribute(member, test)
    for outsider in (sibling_team, roles.other_employee, roles.politician, roles.administrator):
        assert test not in selectors.visible_trials(outsider)
        assert not access.can_view(outsider, test)
    # A person-level trust test stays with the person, even inside the team.
    personal = _weekend_shifts_for_p2(org, roles)
    assert personal not in selectors.visible_trials(member)
    # Someone who has left the team no longer reads it.
    Person.objects.filter(pk=org.people["P3"].pk).update(unit=org.team_south)
    moved = type(member).objects.get(pk=member.pk)  # a fresh user: no cached person
    assert test not in selectors.visible_trials(moved)
    assert not access.can_view(moved, test)


def test_a_trust_test_planned_ahead_cannot_be_started_or_judged_early(org, roles):
    start = timezone.localdate() + dt.timedelta(days=7)
    test = services.plan_trust_test(
        by=roles.leader,
        subject_person=org.people["P2"],
        task="Bestille vikarer",
        step_from=2,
        step_to=3,
        risk="low",
        start_date=start,
    )
    with pytest.raises(ValidationError, match="begynder"):
        services.record_trust_outcome(trial=test, outcome="held", note="", by=roles.leader)
    with pytest.raises(ValidationError):
        services.start_trust_test(trial=test, by=roles.leader)
    test.refresh_from_db()
    assert (test.stage, test.outcome) == (Stage.APPROVED, "")
    # Once its start date has come, it counts as started that day.
    Trial.objects.filter(pk=test.pk).update(start_date=timezone.localdate())
    test.refresh_from_db()
    services.record_trust_outcome(trial=test, outcome="partly", note="", by=roles.leader)
    assert list(test.stage_changes.values_list("to_stage", flat=True)) == [
        Stage.APPROVED,
        Stage.RUNNING,
        Stage.EVALUATED,
    ]
    # And only once.
    with pytest.raises(ValidationError):
        services.record_trust_outcome(trial=test, outcome="held", note="", by=roles.leader)


def test_progress_is_never_whole_while_tasks_are_open(org, roles):
    trial = _run(org, roles, _propose(org, roles.employee, title="Fælles morgenmad"))
    services.record_evaluation(
        trial=trial,
        what_worked="Roligere morgener",
        evidence="Logbog",
        criteria_met="yes",
        by=roles.leader,
    )
    services.transition(trial=trial, to_stage=Stage.SPREADING, by=roles.leader)
    trial.refresh_from_db()
    open_tasks = [t for t in trial.tasks.all() if not t.is_done]
    assert open_tasks
    assert selectors.progress(trial) < 1.0
    for task in trial.tasks.all():
        services.set_task_done(task=task, done=True)
    assert selectors.progress(trial) == pytest.approx(1.0)
