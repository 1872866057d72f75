"""The trials' indicators for the overview of frisættelse ("overview.indicators").

The citizens track (seed 002: professional innovation and citizen involvement):
trials with citizens, relatives or volunteers taking part, by stage; trials
spread to other units; and the follow-up loop of the trials, evaluations and
decisions to spread or stop made on time. Trust tests are left out (they
concern a named person). Trials are about units and what they try, not about
people, so no figure here needs the anonymity engine. The status rules are the
`status_*` functions (tested in tests/test_indicators.py).
"""

import datetime as dt
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tillid.core.indicators import Indicator, Measure, Period, Scope, Status, Track, TrendPoint
from tillid.core.periods import quarters, share
from tillid.trials import followup
from tillid.trials.models import Adoption, CriteriaMet, ParticipantKind, Stage, Trial
from tillid.trials.rules import STAGE_ORDER

# Who counts as "citizens taking part" (DESIGN.md: citizens, relatives, volunteers).
CITIZEN_KINDS = (ParticipantKind.CITIZENS, ParticipantKind.RELATIVES, ParticipantKind.VOLUNTEERS)
WITH_CITIZENS_ON_TRACK = 0.3
WITH_CITIZENS_WATCH = 0.15
ON_TIME_ON_TRACK = 0.8
ON_TIME_WATCH = 0.5


def _pct(value: float) -> str:
    return f"{round(100 * value)} %"


def status_share(value: float | None, on_track: float, watch: float, what: str):
    """On track from `on_track`, watch from `watch`, behind below."""
    if value is None:
        return Status.NO_DATA, _("Nothing to count yet.")
    rule = _("%(what)s: on track from %(on)s, watch from %(watch)s.") % {
        "what": what,
        "on": _pct(on_track),
        "watch": _pct(watch),
    }
    if value >= on_track:
        return Status.ON_TRACK, rule
    if value >= watch:
        return Status.WATCH, rule
    return Status.BEHIND, rule


def status_spread(spread: int, worked: int):
    """Of the trials whose evaluation met their criteria (fully or partly): on track when
    at least half have spread to another unit, watch when some have, behind when none."""
    if not worked:
        return Status.NO_DATA, _("No trial has been evaluated as working yet.")
    if spread * 2 >= worked:
        return Status.ON_TRACK, _("At least half the trials that worked have spread.")
    if spread:
        return Status.WATCH, _("Fewer than half the trials that worked have spread.")
    return Status.BEHIND, _("None of the trials that worked has spread.")


@dataclass
class _Data:
    scope: Scope
    period: Period
    today: dt.date
    cache: dict = field(default_factory=dict)

    @property
    def at_end(self) -> dt.date:
        return min(self.period.end, self.today)

    def trials(self, scope: Scope) -> list[Trial]:
        key = ("trials", scope)
        if key not in self.cache:
            self.cache[key] = list(followup.trials_in(scope).select_related("evaluation"))
        return self.cache[key]

    @property
    def milestones(self) -> dict:
        if "milestones" not in self.cache:
            self.cache["milestones"] = followup.milestones(t.pk for t in self.trials(Scope()))
        return self.cache["milestones"]

    def adoptions(self, scope: Scope) -> list[Adoption]:
        key = ("adoptions", scope)
        if key not in self.cache:
            ids = {t.pk for t in self.trials(scope)}
            self.cache[key] = [
                a
                for a in Adoption.objects.filter(trial__kind="trial").only(
                    "trial_id", "unit_id", "adopted_on"
                )
                if a.trial_id in ids
            ]
        return self.cache[key]


def _created(trial: Trial) -> dt.date:
    return timezone.localtime(trial.created_at).date()


def _active(data: _Data, trial: Trial, part: Period) -> bool:
    """The trial existed during `part` and was not stopped before it began."""
    stopped = data.milestones[trial.pk].stopped
    return _created(trial) <= part.end and (stopped is None or stopped >= part.start)


def _with_citizens(trial: Trial) -> bool:
    return any(kind in CITIZEN_KINDS for kind in trial.participant_kinds)


def _citizen_counts(data: _Data, scope: Scope, part: Period) -> tuple[int, int, dict]:
    active = [t for t in data.trials(scope) if _active(data, t, part)]
    with_citizens = [t for t in active if _with_citizens(t)]
    on = min(part.end, data.today)
    stages = dict.fromkeys(STAGE_ORDER, 0)
    for trial in with_citizens:
        stage = data.milestones[trial.pk].stage_on(on) or trial.stage
        stages[stage] = stages.get(stage, 0) + 1
    return len(with_citizens), len(active), stages


def with_citizens(data: _Data) -> Indicator:
    count, active, stages = _citizen_counts(data, data.scope, data.period)
    value_share = share(count, active)
    status, rule = status_share(
        value_share,
        WITH_CITIZENS_ON_TRACK,
        WITH_CITIZENS_WATCH,
        _("Share of the trials with citizens, relatives or volunteers"),
    )
    return Indicator(
        track=Track.CITIZENS,
        code="trials.with_citizens",
        label=_("Trials with citizens, relatives or volunteers"),
        value=count,
        measure=Measure.COUNT,
        status=status,
        explanation=_(
            "%(count)s of %(active)s trial actions in the period had citizens, relatives or "
            "volunteers taking part; the parts give the stage each had reached. %(rule)s"
        )
        % {"count": count, "active": active, "rule": rule},
        url=_url(data.scope),
        parts=[(str(Stage(stage).label), n) for stage, n in stages.items()],
        trend=[
            TrendPoint(label=label, value=_citizen_counts(data, data.scope, part)[0], on=part.end)
            for label, part in quarters(data.period)
        ],
        organisation_value=(
            None if data.scope.everything else _citizen_counts(data, Scope(), data.period)[0]
        ),
    )


def _url(scope: Scope, **query) -> str:
    if not scope.everything:
        query["unit"] = scope.unit_id
    url = reverse("trials:list")
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def _spread(data: _Data, scope: Scope, on: dt.date) -> tuple[int, int]:
    """(trials taken up by another unit by `on`, trials evaluated as working by `on`)."""
    spread = {a.trial_id for a in data.adoptions(scope) if a.adopted_on <= on}
    worked = {
        t.pk
        for t in data.trials(scope)
        if hasattr(t, "evaluation")
        and t.evaluation.criteria_met in (CriteriaMet.YES, CriteriaMet.PARTLY)
        and (data.milestones[t.pk].evaluated or dt.date.max) <= on
    }
    return len(spread), len(worked | spread)


def spread(data: _Data) -> Indicator:
    count, worked = _spread(data, data.scope, data.at_end)
    status, rule = status_spread(count, worked)
    in_period = [a for a in data.adoptions(data.scope) if a.adopted_on in data.period]
    return Indicator(
        track=Track.CITIZENS,
        code="trials.spread",
        label=_("Trials spread to other units"),
        value=count,
        measure=Measure.COUNT,
        status=status,
        explanation=_(
            "%(count)s of %(worked)s trial actions that worked have been taken up by another "
            "unit; %(adoptions)s units took one up in the period. %(rule)s"
        )
        % {"count": count, "worked": worked, "adoptions": len(in_period), "rule": rule},
        url=_url(data.scope, stage=Stage.SPREADING),
        parts=[
            (_("Taken up in the period"), len(in_period)),
            (_("Units that took one up in the period"), len({a.unit_id for a in in_period})),
        ],
        trend=[
            TrendPoint(
                label=label,
                value=_spread(data, data.scope, min(part.end, data.today))[0],
                on=part.end,
            )
            for label, part in quarters(data.period)
        ],
        organisation_value=(
            None if data.scope.everything else _spread(data, Scope(), data.at_end)[0]
        ),
    )


def _on_time(data: _Data, scope: Scope, part: Period, *, decision: bool) -> dict[str, int]:
    """Evaluations (or decisions) due in `part`, up to today: on time, late, still owed."""
    on = min(part.end, data.today)
    counts = {"due": 0, "on_time": 0, "late": 0, "owed": 0}
    for trial in data.trials(scope):
        m = data.milestones[trial.pk]
        if decision:
            due, done = followup.decision_due_on(trial, m), m.decided
        else:
            if m.running is None:
                continue
            due, done = followup.evaluation_due_on(trial, m), followup.evaluation_done_on(m)
        if due is None or not part.start <= due <= on:
            continue
        counts["due"] += 1
        if done is not None and done <= due:
            counts["on_time"] += 1
        elif done is not None and done <= on:
            counts["late"] += 1
        else:
            counts["owed"] += 1
    return counts


def _on_time_indicator(data: _Data, *, decision: bool) -> Indicator:
    counts = _on_time(data, data.scope, data.period, decision=decision)
    value = share(counts["on_time"], counts["due"])
    what = (
        _("Share of the decisions to spread or stop made on time")
        if decision
        else _("Share of the evaluations made on time")
    )
    status, rule = status_share(value, ON_TIME_ON_TRACK, ON_TIME_WATCH, what)
    return Indicator(
        track=Track.CITIZENS,
        code="trials.decided_on_time" if decision else "trials.evaluated_on_time",
        label=(
            _("Trials spread or stopped on time") if decision else _("Trials evaluated on time")
        ),
        value=value,
        measure=Measure.SHARE,
        status=status,
        explanation=(
            _(
                "Of %(due)s decisions to spread or stop due in the period, %(on_time)s were "
                "made on time, %(late)s late, and %(owed)s are still owed. %(rule)s"
            )
            if decision
            else _(
                "Of %(due)s evaluations due in the period, %(on_time)s were made on time, "
                "%(late)s late, and %(owed)s are still owed. %(rule)s"
            )
        )
        % {**counts, "rule": rule},
        url=_url(data.scope, stage=Stage.EVALUATED if decision else Stage.RUNNING),
        parts=[
            (_("On time"), counts["on_time"]),
            (_("Late"), counts["late"]),
            (_("Still owed"), counts["owed"]),
        ],
        trend=[
            TrendPoint(
                label=label,
                value=(lambda c: share(c["on_time"], c["due"]))(
                    _on_time(data, data.scope, part, decision=decision)
                ),
                on=part.end,
            )
            for label, part in quarters(data.period)
        ],
        organisation_value=(
            None
            if data.scope.everything
            else (lambda c: share(c["on_time"], c["due"]))(
                _on_time(data, Scope(), data.period, decision=decision)
            )
        ),
    )


def indicators(*, scope: Scope, period: Period, today: dt.date | None = None) -> list[Indicator]:
    """The trials' indicators for the overview (the contract "overview.indicators")."""
    data = _Data(scope=scope, period=period, today=today or timezone.localdate())
    return [
        with_citizens(data),
        spread(data),
        _on_time_indicator(data, decision=False),
        _on_time_indicator(data, decision=True),
    ]
