"""Writes for trials: each a keyword-only function in one transaction.

Every function validates before it writes and raises ValidationError with a
message for the user; permission checks belong to the caller (views, API).
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tillid.organisation.models import Person, Unit
from tillid.trials import rules, selectors
from tillid.trials.models import (
    Adoption,
    Evaluation,
    GovernanceLink,
    Milestone,
    Observation,
    Stage,
    StageChange,
    StageTask,
    Trial,
    TrialKind,
    TrustOutcome,
)
from tillid.trials.rules import FORWARD, STAGE_TASKS
from tillid.trials.selectors import governance_item_title

MAX_DEPTH = 3


def _today() -> dt.date:
    return timezone.localdate()


def _check_dates(start: dt.date | None, end: dt.date | None) -> None:
    if start and end and end < start:
        raise ValidationError({"end_date": _("The end date must be on or after the start date.")})


def _add_stage_tasks(trial: Trial, stage: str, today: dt.date) -> None:
    StageTask.objects.bulk_create(
        StageTask(
            trial=trial,
            stage=stage,
            title=str(template.title),
            due_date=today + dt.timedelta(days=template.due_in_days),
        )
        for template in STAGE_TASKS.get(stage, ())
    )


def _check_parent(trial: Trial | None, parent: Trial | None) -> None:
    if parent is None:
        return
    if parent.is_trust_test:
        raise ValidationError(_("A trust test cannot have sub-trials."))
    depth = 1
    node: Trial | None = parent
    while node is not None:
        if trial is not None and node.pk == trial.pk:
            raise ValidationError(_("A trial cannot be part of itself."))
        node = node.parent
        depth += 1
        if depth > MAX_DEPTH:
            raise ValidationError(_("Sub-trials can be nested at most three levels deep."))


@transaction.atomic
def propose_trial(
    *,
    proposed_by,
    unit: Unit,
    title: str,
    question: str,
    origin: str,
    area: str,
    description: str = "",
    participant_kinds: list[str] | None = None,
    participants_note: str = "",
    success_criteria: str = "",
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    parent: Trial | None = None,
    owner: Person | None = None,
) -> Trial:
    if not title.strip() or not question.strip():
        raise ValidationError(_("A trial needs a title and the question it answers."))
    _check_dates(start_date, end_date)
    _check_parent(None, parent)
    trial = Trial.objects.create(
        kind=TrialKind.TRIAL,
        title=title.strip(),
        question=question.strip(),
        description=description,
        unit=unit,
        owner=owner,
        proposed_by=proposed_by,
        origin=origin,
        area=area,
        participant_kinds=list(participant_kinds or []),
        participants_note=participants_note,
        success_criteria=success_criteria,
        start_date=start_date,
        end_date=end_date,
        parent=parent,
    )
    StageChange.objects.create(
        trial=trial, from_stage="", to_stage=Stage.IDEA, changed_by=proposed_by
    )
    _add_stage_tasks(trial, Stage.IDEA, _today())
    return trial


EDITABLE_FIELDS = (
    "title",
    "question",
    "description",
    "unit",
    "owner",
    "origin",
    "area",
    "participant_kinds",
    "participants_note",
    "success_criteria",
    "start_date",
    "end_date",
    "parent",
)


@transaction.atomic
def update_trial(*, trial: Trial, changes: dict) -> Trial:
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be changed here: %s") % ", ".join(unknown))
    start = changes.get("start_date", trial.start_date)
    end = changes.get("end_date", trial.end_date)
    _check_dates(start, end)
    if "parent" in changes:
        _check_parent(trial, changes["parent"])
    for name, value in changes.items():
        setattr(trial, name, value)
    trial.save()
    return trial


@transaction.atomic
def transition(*, trial: Trial, to_stage: str, by, reason: str = "") -> StageChange:
    """Move a trial forward, stop it, or send it back one stage (with a reason)."""
    given = trial
    trial = Trial.objects.select_for_update().get(pk=trial.pk)
    reason = reason.strip()
    if to_stage not in Stage.values:
        raise ValidationError(_("Unknown stage."))
    back = selectors.back_stage(trial)
    is_back = to_stage == back and to_stage not in FORWARD[trial.stage]
    if not is_back and to_stage not in FORWARD[trial.stage]:
        raise ValidationError(
            _("A trial cannot move from “%(from)s” to “%(to)s”.")
            % {"from": Stage(trial.stage).label, "to": Stage(to_stage).label}
        )
    if (is_back or to_stage == Stage.STOPPED) and not reason:
        raise ValidationError(_("Give a reason when a trial is sent back or stopped."))
    if to_stage == Stage.EVALUATED and not is_back and not hasattr(trial, "evaluation"):
        raise ValidationError(_("Record the evaluation before the trial is marked evaluated."))
    if to_stage == Stage.RUNNING and not is_back and trial.owner_id is None:
        raise ValidationError(_("A trial needs an owner before it starts running."))
    change = StageChange.objects.create(
        trial=trial,
        from_stage=trial.stage,
        to_stage=to_stage,
        is_send_back=is_back,
        reason=reason,
        changed_by=by,
    )
    trial.stage = to_stage
    if to_stage == Stage.RUNNING and trial.start_date is None:
        trial.start_date = _today()
    trial.save()
    given.stage, given.start_date = trial.stage, trial.start_date
    if not is_back:
        _add_stage_tasks(trial, to_stage, _today())
    return change


@transaction.atomic
def approve(*, trial: Trial, by, owner: Person | None = None) -> StageChange:
    """The nearest leader takes the idea up; the owner defaults to the leader."""
    if owner is None and trial.owner_id is None and by is not None:
        owner = Person.objects.filter(user=by).first()
    if owner is not None:
        Trial.objects.filter(pk=trial.pk).update(owner=owner)
        trial.owner = owner
    return transition(trial=trial, to_stage=Stage.APPROVED, by=by)


@transaction.atomic
def add_task(*, trial: Trial, title: str, due_date: dt.date | None) -> StageTask:
    if not title.strip():
        raise ValidationError(_("Write what the task is."))
    return StageTask.objects.create(
        trial=trial, stage=trial.stage, title=title.strip(), due_date=due_date
    )


@transaction.atomic
def set_task_done(*, task: StageTask, done: bool) -> StageTask:
    task.done_at = timezone.now() if done else None
    task.save(update_fields=["done_at"])
    return task


@transaction.atomic
def add_milestone(*, trial: Trial, title: str, due_date: dt.date | None) -> Milestone:
    if not title.strip():
        raise ValidationError(_("Write what the milestone is."))
    return Milestone.objects.create(trial=trial, title=title.strip(), due_date=due_date)


@transaction.atomic
def set_milestone_done(*, milestone: Milestone, done: bool) -> Milestone:
    milestone.done_at = timezone.now() if done else None
    milestone.save(update_fields=["done_at"])
    return milestone


@transaction.atomic
def add_observation(*, trial: Trial, kind: str, text: str, observed_on: dt.date, by) -> Observation:
    if trial.stage != Stage.RUNNING:
        raise ValidationError(_("Observations are logged while the trial is running."))
    if not text.strip():
        raise ValidationError(_("Write what you observed."))
    if observed_on > _today():
        raise ValidationError(_("An observation cannot be dated in the future."))
    return Observation.objects.create(
        trial=trial, kind=kind, text=text.strip(), observed_on=observed_on, recorded_by=by
    )


@transaction.atomic
def record_evaluation(
    *,
    trial: Trial,
    what_worked: str,
    evidence: str,
    criteria_met: str,
    by,
    what_did_not: str = "",
) -> Evaluation:
    """Evaluate a running trial (it becomes evaluated) or revise an evaluation."""
    if trial.stage not in (Stage.RUNNING, Stage.EVALUATED, Stage.SPREADING):
        raise ValidationError(_("Only a running or evaluated trial can be evaluated."))
    if not what_worked.strip() or not evidence.strip():
        raise ValidationError(_("State what worked and the evidence for it."))
    evaluation, _created = Evaluation.objects.update_or_create(
        trial=trial,
        defaults={
            "what_worked": what_worked.strip(),
            "what_did_not": what_did_not.strip(),
            "evidence": evidence.strip(),
            "criteria_met": criteria_met,
            "recorded_by": by,
        },
    )
    if trial.stage == Stage.RUNNING:
        trial.evaluation = evaluation
        transition(trial=trial, to_stage=Stage.EVALUATED, by=by)
    return evaluation


@transaction.atomic
def adopt(*, trial: Trial, unit: Unit, by, note: str = "") -> Adoption:
    """Another unit takes the trial up; an evaluated trial starts spreading."""
    if trial.is_trust_test:
        raise ValidationError(_("A trust test is not spread to other units."))
    if trial.stage not in (Stage.EVALUATED, Stage.SPREADING):
        raise ValidationError(_("Only an evaluated trial can be adopted by other units."))
    if unit.pk == trial.unit_id:
        raise ValidationError(_("The trial's own unit cannot adopt it."))
    if Adoption.objects.filter(trial=trial, unit=unit).exists():
        raise ValidationError(_("%(unit)s has already adopted this trial.") % {"unit": unit.name})
    adoption = Adoption.objects.create(
        trial=trial, unit=unit, note=note.strip(), adopted_by=by, adopted_on=_today()
    )
    if trial.stage == Stage.EVALUATED:
        transition(
            trial=trial,
            to_stage=Stage.SPREADING,
            by=by,
            reason=_("Adopted by %(unit)s") % {"unit": unit.name},
        )
    return adoption


@transaction.atomic
def link_governance(
    *,
    trial: Trial,
    title: str,
    effect: str,
    governance_item_id: int | None = None,
    note: str = "",
) -> GovernanceLink:
    if governance_item_id is not None:
        found = governance_item_title(governance_item_id)
        if found is not None:
            title = found
    if not title.strip():
        raise ValidationError(_("Name the governance the trial sets aside or changes."))
    return GovernanceLink.objects.create(
        trial=trial,
        governance_item_id=governance_item_id,
        title=title.strip()[:300],
        effect=effect,
        note=note.strip(),
    )


@transaction.atomic
def unlink_governance(*, link: GovernanceLink) -> None:
    link.delete()


@transaction.atomic
def plan_trust_test(
    *,
    by,
    task: str,
    step_from: int,
    step_to: int,
    risk: str,
    risk_note: str = "",
    subject_person: Person | None = None,
    subject_unit: Unit | None = None,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
) -> Trial:
    """A leader plans a suitably risky occasion to trust a person or team one step more."""
    if (subject_person is None) == (subject_unit is None):
        raise ValidationError(_("Choose either a person or a team for the trust test."))
    if not task.strip():
        raise ValidationError(_("Describe the task the trust test concerns."))
    if not (1 <= step_from <= 5 and 1 <= step_to <= 5):
        raise ValidationError(_("Steps on the trust ladder go from 1 to 5."))
    if step_to <= step_from:
        raise ValidationError(
            {"step_to": _("A trust test takes a step up the ladder: choose a higher step.")}
        )
    _check_dates(start_date, end_date)
    unit = subject_person.unit if subject_person is not None else subject_unit
    assert unit is not None  # exactly one of the two is given (checked above)
    owner = Person.objects.filter(user=by).first() if by is not None else None
    trial = Trial.objects.create(
        kind=TrialKind.TRUST_TEST,
        title=_("Trust test: %(task)s") % {"task": task.strip()[:150]},
        question=_("Can the trust be raised to step %(step)d for this task?") % {"step": step_to},
        unit=unit,
        owner=owner,
        proposed_by=by,
        origin="leader",
        area="leadership",
        participant_kinds=["employees"],
        subject_person=subject_person,
        subject_unit=subject_unit,
        trust_task=task.strip(),
        step_from=step_from,
        step_to=step_to,
        risk=risk,
        risk_note=risk_note.strip(),
        start_date=start_date,
        end_date=end_date,
        stage=Stage.APPROVED,
    )
    StageChange.objects.create(trial=trial, from_stage="", to_stage=Stage.APPROVED, changed_by=by)
    return trial


@transaction.atomic
def start_trust_test(*, trial: Trial, by) -> Trial:
    """The leader starts a planned trust test: from now on it is being tried."""
    if not trial.is_trust_test:
        raise ValidationError(_("Only a trust test is started this way."))
    today = _today()
    problem = rules.trust_test_start_problem(trial, today)
    if problem:
        raise ValidationError(problem)
    StageChange.objects.create(
        trial=trial, from_stage=trial.stage, to_stage=Stage.RUNNING, changed_by=by
    )
    trial.stage = Stage.RUNNING
    if trial.start_date is None:
        trial.start_date = today
    trial.save(update_fields=["stage", "start_date", "updated_at"])
    return trial


@transaction.atomic
def record_trust_outcome(*, trial: Trial, outcome: str, note: str, by) -> Trial:
    if not trial.is_trust_test:
        raise ValidationError(_("Only a trust test has an outcome of this kind."))
    if outcome not in TrustOutcome.values:
        raise ValidationError(_("Choose how the trust test went."))
    problem = rules.trust_outcome_problem(trial, _today())
    if problem:
        raise ValidationError(problem)
    trial.outcome = outcome
    trial.outcome_note = note.strip()
    trial.save(update_fields=["outcome", "outcome_note", "updated_at"])
    if trial.stage == Stage.APPROVED:
        # Its start date has come: it has been running since then.
        StageChange.objects.create(
            trial=trial, from_stage=Stage.APPROVED, to_stage=Stage.RUNNING, changed_by=by
        )
    StageChange.objects.create(
        trial=trial, from_stage=Stage.RUNNING, to_stage=Stage.EVALUATED, changed_by=by
    )
    Trial.objects.filter(pk=trial.pk).update(stage=Stage.EVALUATED)
    trial.stage = Stage.EVALUATED
    return trial


@transaction.atomic
def anonymise_trust_tests(*, created_before: dt.datetime) -> int:
    """Remove who a trust test was about, once the retention period has passed."""
    tests = Trial.objects.filter(
        kind=TrialKind.TRUST_TEST, created_at__lt=created_before, anonymised_at__isnull=True
    )
    ids = list(tests.values_list("pk", flat=True))
    if not ids:
        return 0
    Trial.objects.filter(pk__in=ids).update(
        subject_person=None,
        owner=None,
        proposed_by=None,
        trust_task="",
        risk_note="",
        outcome_note="",
        title=_("Trust test (anonymised)"),
        question="",
        anonymised_at=timezone.now(),
    )
    Trial.history.filter(id__in=ids).delete()
    return len(ids)


@transaction.atomic
def set_follow_up_dates(
    *, trial: Trial, evaluation_due_on: dt.date | None, decision_due_on: dt.date | None
) -> Trial:
    """When the evaluation and the decision to spread or stop are due (empty: by the rules)."""
    if trial.is_trust_test:
        raise ValidationError(_("A trust test is followed up by its outcome."))
    errors = {}
    if evaluation_due_on and trial.start_date and evaluation_due_on < trial.start_date:
        errors["evaluation_due_on"] = _("The evaluation cannot be due before the trial starts.")
    if evaluation_due_on and decision_due_on and decision_due_on < evaluation_due_on:
        errors["decision_due_on"] = _("The decision cannot be due before the evaluation.")
    if errors:
        raise ValidationError(errors)
    trial.evaluation_due_on = evaluation_due_on
    trial.decision_due_on = decision_due_on
    trial.save(update_fields=["evaluation_due_on", "decision_due_on", "updated_at"])
    return trial
