"""The trial life cycle as data, and progress as pure functions.

Stages follow the frisættelse practice in Middelfart's elder care (Bentzen
2024, seed 002): an idea is caught by the nearest leader, tried in a small
way, evaluated, and then spread where it works, or stopped.
"""

import datetime as dt
from dataclasses import dataclass

from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tillid.trials.models import Stage

STAGE_ORDER = [
    Stage.IDEA,
    Stage.APPROVED,
    Stage.RUNNING,
    Stage.EVALUATED,
    Stage.SPREADING,
    Stage.STOPPED,
]

# Forward moves; any stage before the end may also be stopped.
FORWARD: dict[str, tuple[str, ...]] = {
    Stage.IDEA: (Stage.APPROVED, Stage.STOPPED),
    Stage.APPROVED: (Stage.RUNNING, Stage.STOPPED),
    Stage.RUNNING: (Stage.EVALUATED, Stage.STOPPED),
    Stage.EVALUATED: (Stage.SPREADING, Stage.STOPPED),
    Stage.SPREADING: (Stage.STOPPED,),
    Stage.STOPPED: (),
}

# Sending back goes one stage back (a stopped trial goes back to where it stopped).
BACK: dict[str, str | None] = {
    Stage.IDEA: None,
    Stage.APPROVED: Stage.IDEA,
    Stage.RUNNING: Stage.APPROVED,
    Stage.EVALUATED: Stage.RUNNING,
    Stage.SPREADING: Stage.EVALUATED,
    Stage.STOPPED: None,  # decided from the stage history
}

# How far a stage has come, for the roll-up of progress (0–1).
STAGE_PROGRESS: dict[str, float] = {
    Stage.IDEA: 0.0,
    Stage.APPROVED: 0.25,
    Stage.RUNNING: 0.5,
    Stage.EVALUATED: 0.9,
    Stage.SPREADING: 1.0,
    Stage.STOPPED: 1.0,
}


# The follow-up loop: a running trial is evaluated by its end date, or this many
# days after it started when it has none; an evaluated trial is spread or stopped
# within DECISION_DUE_DAYS (the owner's task "Decide whether to spread or to stop").
EVALUATION_DUE_DAYS = 180
DECISION_DUE_DAYS = 30


@dataclass(frozen=True)
class TaskTemplate:
    title: str
    due_in_days: int


# The owner's tasks when a trial enters a stage.
STAGE_TASKS: dict[str, tuple[TaskTemplate, ...]] = {
    Stage.IDEA: (TaskTemplate(_("Describe the question and what success would look like"), 14),),
    Stage.APPROVED: (
        TaskTemplate(_("Agree the frame: time, participants and governance set aside"), 14),
        TaskTemplate(_("Tell the participants and the governance owners"), 21),
    ),
    Stage.RUNNING: (
        TaskTemplate(_("Log observations about effect and process at least monthly"), 30),
        TaskTemplate(_("Hold a midway check with the participants"), 45),
    ),
    Stage.EVALUATED: (
        TaskTemplate(_("Share the evaluation with the team and the participants"), 14),
        TaskTemplate(_("Decide whether to spread or to stop"), DECISION_DUE_DAYS),
    ),
    Stage.SPREADING: (TaskTemplate(_("Offer the trial to units that could use it"), 30),),
    Stage.STOPPED: (),
}


def own_progress(stage: str, work_done: int, work_total: int) -> float:
    """A trial's own progress: its stage, averaged with the share of its work done
    (its owner's tasks and its milestones) if it has any. So a trial is never at
    100 % while a task or milestone is open; a stopped trial's open work no longer
    counts."""
    by_stage = STAGE_PROGRESS[stage]
    if work_total <= 0 or stage == Stage.STOPPED:
        return by_stage
    return (by_stage + work_done / work_total) / 2


def rolled_up_progress(own: float, children: list[float]) -> float:
    """Progress of a trial with sub-trials: the mean of its own and each sub-trial's."""
    values = [own, *children]
    return sum(values) / len(values)


def trust_test_start_problem(trial, today: dt.date) -> str:
    """Why the trust test cannot be started now ("" when it can)."""
    if trial.stage != Stage.APPROVED:
        return gettext("Only a planned trust test can be started.")
    if trial.start_date and trial.start_date > today:
        return gettext("The trust test is planned to start on %(date)s.") % {
            "date": date_format(trial.start_date, "j. F Y")
        }
    return ""


def trust_outcome_problem(trial, today: dt.date) -> str:
    """Why the outcome of a trust test cannot be recorded now ("" when it can).

    An outcome belongs to a test that has been tried: one that is running, or a
    planned one whose start date has come (it then counts as started that day).
    """
    if trial.stage == Stage.RUNNING:
        return ""
    if trial.stage == Stage.APPROVED:
        if trial.start_date is None:
            return gettext("Start the trust test before recording how it went.")
        if trial.start_date > today:
            return gettext(
                "The trust test starts on %(date)s; record how it went once it has been tried."
            ) % {"date": date_format(trial.start_date, "j. F Y")}
        return ""
    if trial.stage == Stage.STOPPED:
        return gettext("The trust test has been stopped.")
    return gettext("The outcome of the trust test has already been recorded.")


def evaluation_due(*, override, end_date, running_since):
    """When a running trial is to be evaluated: as set, by its end, or some time after it started."""
    if override is not None:
        return override
    if end_date is not None:
        return end_date
    if running_since is not None:
        return running_since + dt.timedelta(days=EVALUATION_DUE_DAYS)
    return None


def decision_due(*, override, evaluated_on):
    """When an evaluated trial is to be spread or stopped: as set, or soon after the evaluation."""
    if override is not None:
        return override
    if evaluated_on is not None:
        return evaluated_on + dt.timedelta(days=DECISION_DUE_DAYS)
    return None
