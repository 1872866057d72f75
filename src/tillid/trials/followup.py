"""The trials' follow-up loop: a running trial owes its evaluation, an evaluated one the
decision to spread or stop (issue 11), each by a due date and answered by its owner.

Built on the stages and the owner's tasks (rules.STAGE_TASKS): the evaluation is
due by the trial's end date (rules.evaluation_due), the decision within
rules.DECISION_DUE_DAYS of the evaluation, unless the trial sets its own dates.
Trust tests are left out: they concern a named person. Offered to the overview
as "overview.followups".
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tillid.core.indicators import FollowUp, Scope
from tillid.trials.models import Stage, StageChange, Trial, TrialKind
from tillid.trials.rules import decision_due, evaluation_due

RECENT_DAYS = 30  # answered follow-ups stay in the lists this long

KIND_EVALUATION = "trial_evaluation"
KIND_DECISION = "trial_decision"


@dataclass
class Milestones:
    """The days a trial reached the stages that matter to its follow-up (None: not yet)."""

    approved: dt.date | None = None
    running: dt.date | None = None
    evaluated: dt.date | None = None
    decided: dt.date | None = None  # spread or stopped after its evaluation
    stopped: dt.date | None = None  # stopped at any stage
    # The stage on each day it changed, in order, for "the stage on a day".
    changes: list[tuple[dt.date, str]] | None = None

    def stage_on(self, day: dt.date) -> str | None:
        stage = None
        for when, to_stage in self.changes or []:
            if when > day:
                break
            stage = to_stage
        return stage


def milestones(trial_ids) -> dict[int, Milestones]:
    """Each trial's milestones from its stage history, in one query."""
    found: dict[int, Milestones] = defaultdict(Milestones)
    for trial_id, from_stage, to_stage, back, when in (
        StageChange.objects.filter(trial_id__in=list(trial_ids))
        .order_by("changed_at", "pk")
        .values_list("trial_id", "from_stage", "to_stage", "is_send_back", "changed_at")
    ):
        day = timezone.localtime(when).date()
        m = found[trial_id]
        if m.changes is None:
            m.changes = []
        m.changes.append((day, to_stage))
        if back:
            continue
        if to_stage == Stage.APPROVED and m.approved is None:
            m.approved = day
        elif to_stage == Stage.RUNNING and m.running is None:
            m.running = day
        elif to_stage == Stage.EVALUATED and m.evaluated is None:
            m.evaluated = day
        elif to_stage == Stage.SPREADING and m.decided is None:
            m.decided = day
        if to_stage == Stage.STOPPED:
            m.stopped = m.stopped or day
            if from_stage in (Stage.EVALUATED, Stage.SPREADING) and m.decided is None:
                m.decided = day
    return found


def evaluation_due_on(trial: Trial, m: Milestones) -> dt.date | None:
    return evaluation_due(
        override=trial.evaluation_due_on, end_date=trial.end_date, running_since=m.running
    )


def decision_due_on(trial: Trial, m: Milestones) -> dt.date | None:
    return decision_due(override=trial.decision_due_on, evaluated_on=m.evaluated)


def evaluation_done_on(m: Milestones) -> dt.date | None:
    """Evaluated, or stopped before it was (a stopped trial owes no evaluation)."""
    if m.evaluated is not None:
        return m.evaluated
    return m.stopped


def trials_in(scope: Scope | None):
    qs = Trial.objects.filter(kind=TrialKind.TRIAL).select_related("unit", "owner")
    if scope is not None and not scope.everything:
        qs = qs.filter(unit__path__startswith=scope.path)
    return qs


def _recent(day: dt.date | None, today: dt.date) -> bool:
    return day is None or day >= today - dt.timedelta(days=RECENT_DAYS)


def followups(*, scope: Scope | None, owner_id: int | None, today: dt.date) -> list[FollowUp]:
    """Evaluations owed by running trials and decisions owed by evaluated ones."""
    trials = trials_in(scope).exclude(stage__in=[Stage.IDEA, Stage.APPROVED])
    if owner_id is not None:
        trials = trials.filter(owner__user_id=owner_id)
    trials = list(trials)
    stages = milestones(t.pk for t in trials)
    found = []
    for trial in trials:
        m = stages[trial.pk]
        if m.running is None:
            continue
        owner = trial.owner.user_id if trial.owner else None
        name = trial.owner.name if trial.owner else ""
        url = reverse("trials:detail", args=[trial.pk])
        done_on = evaluation_done_on(m)
        if _recent(done_on, today):
            found.append(
                FollowUp(
                    kind=KIND_EVALUATION,
                    kind_label=_("Evaluation of a trial action"),
                    title=trial.title,
                    url=url,
                    due_on=evaluation_due_on(trial, m),
                    owner_id=owner,
                    owner_name=name,
                    unit_id=trial.unit_id,
                    done=done_on is not None,
                    done_on=done_on,
                )
            )
        if m.evaluated is not None and _recent(m.decided, today):
            found.append(
                FollowUp(
                    kind=KIND_DECISION,
                    kind_label=_("Spread or stop a trial action"),
                    title=trial.title,
                    url=url,
                    due_on=decision_due_on(trial, m),
                    owner_id=owner,
                    owner_name=name,
                    unit_id=trial.unit_id,
                    done=m.decided is not None,
                    done_on=m.decided,
                )
            )
    found.sort(key=lambda f: (f.done, f.due_on or dt.date.max, f.title))
    return found
