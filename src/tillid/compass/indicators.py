"""The compass's indicators for the overview of frisættelse ("overview.indicators").

Employees track: the trust compass by its four elements over the rounds, and
the response rate. Local leadership track: the units that held their dialogue
meeting after the last round, the dialogue actions done or overdue, and the
checks of whether they worked.

Every score comes from `selectors.round_results`, whose cells the anonymity
engine has decided: a scope whose cell is hidden has no figure. Response
counts are shown once a round has closed (DESIGN.md), as on the round pages.
The status rules are the `status_*` functions (tested in tests/test_indicators.py).
"""

import datetime as dt
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from tillid.compass import followup, selectors
from tillid.compass.models import ActionStatus, ActionVerdict, DialogueAction, Family, Round
from tillid.core.indicators import Indicator, Measure, Period, Scope, Status, Track, TrendPoint
from tillid.core.periods import quarters, share

COMPASS_BEHIND = 50
COMPASS_WATCH = 60
RATE_ON_TRACK = 0.7
RATE_WATCH = 0.5
LATE_MEETINGS_WATCH = 0.2
LATE_MEETINGS_BEHIND = 0.5
OVERDUE_WATCH = 0.1
OVERDUE_BEHIND = 0.25
CHECKED_ON_TRACK = 0.8
CHECKED_WATCH = 0.5


def _pct(value: float) -> str:
    return f"{round(100 * value)} %"


def status_compass(value: float | None, previous: float | None, high: float | None):
    """Behind under 50; watch under 60, or when the last round was higher than this
    round's interval reaches (a drop beyond chance); on track otherwise."""
    if value is None:
        return Status.NO_DATA, _("No figure: no closed round shows this part of the organisation.")
    if value < COMPASS_BEHIND:
        return Status.BEHIND, _("The trust compass is under %(limit)s of 100.") % {
            "limit": COMPASS_BEHIND
        }
    if previous is not None and high is not None and previous > high:
        return Status.WATCH, _("The trust compass has fallen since the last round.")
    if value < COMPASS_WATCH:
        return Status.WATCH, _("The trust compass is under %(limit)s of 100.") % {
            "limit": COMPASS_WATCH
        }
    return Status.ON_TRACK, _("The trust compass is %(limit)s or more and has not fallen.") % {
        "limit": COMPASS_WATCH
    }


def status_share(value: float | None, on_track: float, watch: float, what: str):
    """On track from `on_track`, watch from `watch`, behind below."""
    if value is None:
        return Status.NO_DATA, _("No figure yet.")
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


def status_late_share(late: int, whole: int, watch: float, behind: float, what: str):
    """On track up to `watch` of them late, watch up to `behind`, behind beyond."""
    if not whole:
        return Status.NO_DATA, _("Nothing to count yet.")
    rule = _("%(what)s: on track while at most %(watch)s are late, behind from %(behind)s.") % {
        "what": what,
        "watch": _pct(watch),
        "behind": _pct(behind),
    }
    if late <= watch * whole:
        return Status.ON_TRACK, rule
    if late <= behind * whole:
        return Status.WATCH, rule
    return Status.BEHIND, rule


# --- rounds and cells ----------------------------------------------------------------


def _covers(round_: Round, scope: Scope) -> bool:
    if scope.everything:
        return True
    root = round_.root.path
    return scope.path.startswith(root) or root.startswith(scope.path)


def cell(results, scope: Scope) -> int | None:
    """The unit whose figures stand for the scope in a round: the scope's unit, or the
    round's own top when the round lies inside the scope."""
    if scope.everything:
        return results.root_id
    if scope.unit_id in results.units:
        return scope.unit_id
    if results.round.root.path.startswith(scope.path):
        return results.root_id
    return None


def _rate_cell(round_: Round, scope: Scope, rates: dict) -> int | None:
    """The unit whose response counts stand for the scope (as `cell`, over the invited)."""
    if scope.everything or round_.root.path.startswith(scope.path):
        return round_.root_id if round_.root_id in rates else None
    return scope.unit_id if scope.unit_id in rates else None


@dataclass
class _RoundFigure:
    round: Round
    unit_id: int | None
    overall: float | None
    low: float | None
    high: float | None
    elements: list[tuple[str, float | None]]
    invited: int | None
    answered: int | None
    rate_unit: int | None = None


@dataclass
class _Data:
    scope: Scope
    period: Period
    today: dt.date
    cache: dict = field(default_factory=dict)

    @property
    def at_end(self) -> dt.date:
        return min(self.period.end, self.today)

    def rounds(self) -> list[Round]:
        if "rounds" not in self.cache:
            self.cache["rounds"] = followup.closed_rounds(self.at_end)
        return self.cache["rounds"]

    def figure(self, round_: Round, scope: Scope) -> _RoundFigure:
        key = (round_.pk, scope)
        if key not in self.cache:
            rates = ("rates", round_.pk)
            if rates not in self.cache:
                self.cache[rates] = {r.unit.pk: r for r in selectors.response_rates(round_)}
            self.cache[key] = _round_figure(round_, scope, self.cache[rates])
        return self.cache[key]


def _round_figure(round_: Round, scope: Scope, rates: dict) -> _RoundFigure:
    """The compass elements and the response rate of the scope's cell in a round.

    The overall score is the mean of the four elements' scores; its interval the
    mean of their 95 % intervals, which is never narrower than the true interval of
    the mean (it would be as wide only if the elements moved together entirely).
    """
    results = selectors.round_results(round_)
    unit_id = cell(results, scope)
    names = selectors.dimension_names(round_)
    codes = results.spec.dimension_codes(Family.COMPASS)
    scores = [results.score(code, unit_id) if unit_id else None for code in codes]
    elements = [
        (names.get(code, (code, ""))[0], s.mean if s else None)
        for code, s in zip(codes, scores, strict=True)
    ]
    overall = low = high = None
    if scores and all(s is not None for s in scores):
        overall = sum(s.mean for s in scores) / len(scores)
        if all(s.low is not None for s in scores):
            low = sum(s.low for s in scores) / len(scores)
            high = sum(s.high for s in scores) / len(scores)
    invited = answered = None
    rate_unit = _rate_cell(round_, scope, rates)
    if rate_unit is not None:
        invited, answered = rates[rate_unit].invited, rates[rate_unit].answered
    return _RoundFigure(round_, unit_id, overall, low, high, elements, invited, answered, rate_unit)


def _covering(data: _Data, scope: Scope) -> list[Round]:
    return [r for r in data.rounds() if _covers(r, scope)]


def _in_period(data: _Data, rounds: list[Round]) -> list[Round]:
    return [r for r in rounds if r.closes_on >= data.period.start]


def trust_compass(data: _Data) -> Indicator:
    rounds = _covering(data, data.scope)
    figures = [data.figure(r, data.scope) for r in rounds]
    shown = [f for f in figures if f.overall is not None]
    latest = shown[-1] if shown else None
    previous = shown[-2] if len(shown) > 1 else None
    status, rule = status_compass(
        latest.overall if latest else None,
        previous.overall if previous else None,
        latest.high if latest else None,
    )
    organisation = None
    if not data.scope.everything:
        whole = [data.figure(r, Scope()) for r in data.rounds()]
        whole = [f for f in whole if f.overall is not None]
        organisation = whole[-1].overall if whole else None
    explanation = rule
    if latest is not None:
        explanation = _(
            "The mean of the four elements in %(round)s is %(value)s of 100 (95 %% interval "
            "%(low)s–%(high)s). %(rule)s"
        ) % {
            "round": latest.round.name,
            "value": round(latest.overall),
            "low": round(latest.low) if latest.low is not None else "–",
            "high": round(latest.high) if latest.high is not None else "–",
            "rule": rule,
        }
    return Indicator(
        track=Track.EMPLOYEES,
        code="compass.trust_compass",
        label=_("The trust compass"),
        value=latest.overall if latest else None,
        measure=Measure.SCORE,
        status=status,
        explanation=explanation,
        url=(
            reverse("compass:results", args=[latest.round.pk, latest.unit_id])
            if latest
            else reverse("compass:index")
        ),
        parts=latest.elements if latest else [],
        trend=[
            TrendPoint(
                label=f.round.name, value=f.overall, low=f.low, high=f.high, on=f.round.closes_on
            )
            for f in figures
            if f.round.closes_on >= data.period.start
        ],
        organisation_value=organisation,
        note=(
            _("No closed round shows a figure for this part of the organisation.")
            if rounds and latest is None
            else ""
        ),
    )


def _rate(f: _RoundFigure) -> float | None:
    if f.answered is None or not f.invited:
        return None
    return f.answered / f.invited


def response_rate(data: _Data) -> Indicator:
    rounds = _covering(data, data.scope)
    figures = [data.figure(r, data.scope) for r in rounds]
    shown = [f for f in figures if _rate(f) is not None]
    latest = shown[-1] if shown else None
    value = _rate(latest) if latest else None
    status, rule = status_share(value, RATE_ON_TRACK, RATE_WATCH, _("Response rate"))
    organisation = None
    if not data.scope.everything:
        whole = [data.figure(r, Scope()) for r in data.rounds()]
        whole = [_rate(f) for f in whole if _rate(f) is not None]
        organisation = whole[-1] if whole else None
    return Indicator(
        track=Track.EMPLOYEES,
        code="compass.response_rate",
        label=_("Response rate of the trust compass"),
        value=value,
        measure=Measure.SHARE,
        status=status,
        explanation=(
            _("%(answered)s of %(invited)s invited answered %(round)s. %(rule)s")
            % {
                "answered": number_format(latest.answered, force_grouping=True),
                "invited": number_format(latest.invited, force_grouping=True),
                "round": latest.round.name,
                "rule": rule,
            }
            if latest
            else rule
        ),
        url=(
            reverse("compass:results", args=[latest.round.pk, latest.rate_unit])
            if latest
            else reverse("compass:index")
        ),
        parts=(
            [(_("Invited"), latest.invited), (_("Answered"), latest.answered)] if latest else []
        ),
        trend=[
            TrendPoint(label=f.round.name, value=_rate(f), on=f.round.closes_on)
            for f in figures
            if f.round.closes_on >= data.period.start
        ],
        organisation_value=organisation,
    )


# --- local leadership: dialogue ---------------------------------------------------------


def _dialogue_counts(data: _Data, round_: Round, scope: Scope) -> tuple[int, int, int]:
    """(expected, held, late) of the units in the scope after `round_`, as of the period's end."""
    key = ("dialogues", round_.pk)
    if key not in data.cache:
        rounds = data.rounds()
        index = rounds.index(round_)
        following = rounds[index + 1] if index + 1 < len(rounds) else None
        data.cache[key] = followup.dialogues(round_, following=following)
    rows = [d for d in data.cache[key] if followup.in_scope(d.unit.path, scope)]
    on = data.at_end
    return len(rows), sum(1 for d in rows if d.held_by(on)), sum(1 for d in rows if d.late(on))


def dialogue_meetings(data: _Data) -> Indicator:
    rounds = _covering(data, data.scope)
    latest = rounds[-1] if rounds else None
    expected, held, late = _dialogue_counts(data, latest, data.scope) if latest else (0, 0, 0)
    value = share(held, expected)
    status, rule = status_late_share(
        late, expected, LATE_MEETINGS_WATCH, LATE_MEETINGS_BEHIND, _("Dialogue meetings")
    )
    organisation = None
    if not data.scope.everything and data.rounds():
        whole = _dialogue_counts(data, data.rounds()[-1], Scope())
        organisation = share(whole[1], whole[0])
    return Indicator(
        track=Track.LOCAL_LEADERSHIP,
        code="compass.dialogue_meetings",
        label=_("Units that held their dialogue meeting"),
        value=value,
        measure=Measure.SHARE,
        status=status,
        explanation=(
            _(
                "%(held)s of %(expected)s units with results of their own held their dialogue "
                "meeting after %(round)s; %(late)s are past the deadline of %(due)s. %(rule)s"
            )
            % {
                "held": held,
                "expected": expected,
                "round": latest.name,
                "late": late,
                "due": date_format(followup.meeting_due_on(latest), "j. F Y"),
                "rule": rule,
            }
            if latest and expected
            else rule
        ),
        url=_followup_url(data.scope),
        parts=[
            (_("Held"), held),
            (_("Not yet, within the deadline"), expected - held - late),
            (_("Past the deadline"), late),
        ],
        trend=[
            TrendPoint(
                label=r.name,
                value=(lambda e, h, _l: share(h, e))(*_dialogue_counts(data, r, data.scope)),
                on=r.closes_on,
            )
            for r in _in_period(data, rounds)
        ],
        organisation_value=organisation,
    )


def _followup_url(scope: Scope) -> str:
    url = reverse("compass:followup")
    return url if scope.everything else f"{url}?enhed={scope.unit_id}"


def _actions(data: _Data, scope: Scope) -> list[DialogueAction]:
    key = ("actions", scope)
    if key not in data.cache:
        qs = DialogueAction.objects.select_related("meeting")
        if not scope.everything:
            qs = qs.filter(meeting__unit__path__startswith=scope.path)
        data.cache[key] = list(qs)
    return data.cache[key]


def _action_counts(data: _Data, scope: Scope, part: Period) -> dict[str, int]:
    """Actions due in `part` (up to today): done, overdue (still open) and dropped."""
    on = min(part.end, data.today)
    due = [a for a in _actions(data, scope) if part.start <= a.due_on <= on]
    return {
        "due": len(due),
        "done": sum(1 for a in due if a.status == ActionStatus.DONE),
        "overdue": sum(1 for a in due if a.status == ActionStatus.OPEN and a.due_on < on),
        "dropped": sum(1 for a in due if a.status == ActionStatus.DROPPED),
    }


def dialogue_actions(data: _Data) -> Indicator:
    counts = _action_counts(data, data.scope, data.period)
    value = share(counts["done"], counts["due"])
    status, rule = status_late_share(
        counts["overdue"], counts["due"], OVERDUE_WATCH, OVERDUE_BEHIND, _("Dialogue actions")
    )
    return Indicator(
        track=Track.LOCAL_LEADERSHIP,
        code="compass.dialogue_actions",
        label=_("Dialogue actions done"),
        value=value,
        measure=Measure.SHARE,
        status=status,
        explanation=_(
            "Of %(due)s actions due in the period, %(done)s are done, %(overdue)s are overdue "
            "and %(dropped)s were dropped. %(rule)s"
        )
        % {**counts, "rule": rule},
        url=_followup_url(data.scope),
        parts=[
            (_("Done"), counts["done"]),
            (_("Overdue"), counts["overdue"]),
            (_("Dropped"), counts["dropped"]),
        ],
        trend=[
            TrendPoint(
                label=label,
                value=(lambda c: share(c["done"], c["due"]))(
                    _action_counts(data, data.scope, part)
                ),
                on=part.end,
            )
            for label, part in quarters(data.period)
        ],
        organisation_value=(
            None
            if data.scope.everything
            else (lambda c: share(c["done"], c["due"]))(_action_counts(data, Scope(), data.period))
        ),
    )


def _check_counts(data: _Data, scope: Scope, part: Period) -> dict:
    """Checks due in `part` (up to today), how many were made and the team's verdicts."""
    on = min(part.end, data.today)
    due = [
        a
        for a in _actions(data, scope)
        if followup.needs_check(a) and part.start <= followup.check_due_on(a) <= on
    ]
    checked = [a for a in due if a.checked_on is not None]
    return {
        "due": len(due),
        "checked": len(checked),
        "verdicts": {
            v: sum(1 for a in checked if a.team_verdict == v) for v in ActionVerdict.values
        },
    }


def dialogue_checks(data: _Data) -> Indicator:
    counts = _check_counts(data, data.scope, data.period)
    value = share(counts["checked"], counts["due"])
    status, rule = status_share(
        value, CHECKED_ON_TRACK, CHECKED_WATCH, _("Share of the actions checked")
    )
    labels = dict(ActionVerdict.choices)
    return Indicator(
        track=Track.LOCAL_LEADERSHIP,
        code="compass.dialogue_checks",
        label=_("Dialogue actions checked: did they work?"),
        value=value,
        measure=Measure.SHARE,
        status=status,
        explanation=_(
            "%(checked)s of %(due)s actions whose check fell due in the period have been "
            "checked; by the team's verdict %(worked)s worked. %(rule)s"
        )
        % {
            "checked": counts["checked"],
            "due": counts["due"],
            "worked": counts["verdicts"][ActionVerdict.WORKED],
            "rule": rule,
        },
        url=_followup_url(data.scope),
        parts=[
            *((str(labels[v]), n) for v, n in counts["verdicts"].items()),
            (_("Not checked yet"), counts["due"] - counts["checked"]),
        ],
        trend=[
            TrendPoint(
                label=label,
                value=(lambda c: share(c["checked"], c["due"]))(
                    _check_counts(data, data.scope, part)
                ),
                on=part.end,
            )
            for label, part in quarters(data.period)
        ],
        organisation_value=(
            None
            if data.scope.everything
            else (lambda c: share(c["checked"], c["due"]))(
                _check_counts(data, Scope(), data.period)
            )
        ),
    )


def indicators(*, scope: Scope, period: Period, today: dt.date | None = None) -> list[Indicator]:
    """The compass's indicators for the overview (the contract "overview.indicators")."""
    data = _Data(scope=scope, period=period, today=today or timezone.localdate())
    return [
        trust_compass(data),
        response_rate(data),
        dialogue_meetings(data),
        dialogue_actions(data),
        dialogue_checks(data),
    ]
