"""Delegation's indicator for the overview ("overview.indicators"): trust dosings reviewed
on time, in the local leadership track, and its follow-ups ("overview.followups").

A dosing names a review date; it is reviewed when the leader doses the same
person or team for the same task again (the new dosing points back to it, or
is simply the next one). Reviewed on time: by the review date.

These are personal records, so the overview gets aggregates only: the people
(and teams) with a review due are counted per unit and the anonymity engine
decides, once for the whole tree, which units may show a figure
(organisation.selectors.disclose_per_unit). The follow-ups are offered only
to the leader who owes the review, on their own front page, naming the task
and not the person.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tillid.core.indicators import (
    FollowUp,
    Indicator,
    Measure,
    Period,
    Scope,
    Status,
    Track,
    TrendPoint,
)
from tillid.core.periods import quarters, share
from tillid.delegation.models import Dosing
from tillid.organisation.models import Unit
from tillid.organisation.selectors import disclose_per_unit

ON_TRACK = 0.8
WATCH = 0.6
RECENT_DAYS = 30


def _pct(value: float) -> str:
    return f"{round(100 * value)} %"


def status_reviews(value: float | None) -> tuple[Status, str]:
    """On track when 80 % or more were reviewed by their date, watch from 60 %."""
    if value is None:
        return Status.NO_DATA, _("No figure: no reviews due, or too few people to show.")
    rule = _("On track from %(on)s reviewed on time, watch from %(watch)s.") % {
        "on": _pct(ON_TRACK),
        "watch": _pct(WATCH),
    }
    if value >= ON_TRACK:
        return Status.ON_TRACK, rule
    if value >= WATCH:
        return Status.WATCH, rule
    return Status.BEHIND, rule


@dataclass(frozen=True)
class Review:
    """A dosing's review: when it was due, when (if) it was done, whose it is."""

    dosing_id: int
    unit_id: int
    subject: tuple  # the person or team (an anonymised dosing is its own subject)
    due_on: dt.date
    done_on: dt.date | None
    decided_by_id: int | None
    task: str


def reviews() -> list[Review]:
    """Every dosing with a review date, and the day it was reviewed (from the later dosings)."""
    rows = list(
        Dosing.objects.order_by("created_at", "pk").values_list(
            "pk",
            "unit_id",
            "subject_person_id",
            "subject_unit_id",
            "task",
            "review_on",
            "created_at",
            "previous_id",
            "decided_by_id",
            "anonymised_at",
        )
    )
    followed_by: dict[int, dt.date] = {}
    latest: dict[tuple, int] = {}  # (subject, task) -> the dosing in force before this one
    for pk, _unit, person, team, task, _review, created, previous, _by, anonymised in rows:
        day = timezone.localtime(created).date()
        # The dosing this one reviews: the last one of the same person or team and task
        # (a new dosing's own `previous` may be of another task), else the one it names.
        before = latest.get(((person, team), task)) if anonymised is None else None
        if before is None:
            before = previous
        if before is not None and before not in followed_by:
            followed_by[before] = day
        if anonymised is None:
            latest[((person, team), task)] = pk
    found = []
    for pk, unit_id, person, team, task, review_on, _c, _p, by, anonymised in rows:
        if review_on is None:
            continue
        subject = ("dosing", pk) if anonymised else (person, team)
        found.append(
            Review(
                pk,
                unit_id,
                subject,
                review_on,
                followed_by.get(pk),
                by,
                task if not anonymised else "",
            )
        )
    return found


@dataclass
class _Data:
    scope: Scope
    period: Period
    today: dt.date
    cache: dict = field(default_factory=dict)

    @property
    def reviews(self) -> list[Review]:
        if "reviews" not in self.cache:
            self.cache["reviews"] = reviews()
        return self.cache["reviews"]

    @property
    def units(self) -> dict[int, tuple[str, int | None]]:
        if "units" not in self.cache:
            self.cache["units"] = {
                uid: (path, parent)
                for uid, path, parent in Unit.objects.filter(is_active=True).values_list(
                    "id", "path", "parent_id"
                )
            }
        return self.cache["units"]


def _root(data: _Data) -> int | None:
    tops = sorted(
        (path.count("/"), uid)
        for uid, (path, parent) in data.units.items()
        if parent is None or parent not in data.units
    )
    return tops[0][1] if tops else None


def _counts(data: _Data, scope: Scope, part: Period) -> dict[str, int] | None:
    """Reviews due in `part` (up to today) in the scope's cell: on time, late, not done.

    None when the anonymity engine hides the cell of the people with a review due.
    """
    key = (scope, part)
    if key in data.cache:
        return data.cache[key]
    on = min(part.end, data.today)
    due = [r for r in data.reviews if part.start <= r.due_on <= on and r.unit_id in data.units]
    result = {"due": 0, "on_time": 0, "late": 0, "not_done": 0}
    if due:
        if ("disclosure", part) not in data.cache:
            people: dict[int, set] = defaultdict(set)
            for r in due:
                people[r.unit_id].add(r.subject)
            data.cache[("disclosure", part)] = disclose_per_unit(
                {uid: len(who) for uid, who in people.items()}
            )
        disclosure = data.cache[("disclosure", part)]
        cell = _root(data) if scope.everything else scope.unit_id
        if cell is None or not disclosure.is_visible(cell):
            data.cache[key] = None
            return None
        prefix = "" if scope.everything else scope.path
        for r in due:
            if r.unit_id in disclosure.excluded or not data.units[r.unit_id][0].startswith(prefix):
                continue
            result["due"] += 1
            if r.done_on is not None and r.done_on <= r.due_on:
                result["on_time"] += 1
            elif r.done_on is not None and r.done_on <= on:
                result["late"] += 1
            else:
                result["not_done"] += 1
    data.cache[key] = result
    return result


def _share(counts: dict | None) -> float | None:
    return None if counts is None else share(counts["on_time"], counts["due"])


def dosing_reviews(data: _Data) -> Indicator:
    counts = _counts(data, data.scope, data.period)
    value = _share(counts)
    status, rule = status_reviews(value)
    hidden = counts is None
    return Indicator(
        track=Track.LOCAL_LEADERSHIP,
        code="delegation.dosing_reviews",
        label=_("Trust dosings reviewed on time"),
        value=value,
        measure=Measure.SHARE,
        status=status,
        explanation=(
            rule
            if hidden
            else _(
                "Of %(due)s dosings due for review in the period, %(on_time)s were reviewed by "
                "their date, %(late)s later, and %(not_done)s not yet. %(rule)s"
            )
            % {**counts, "rule": rule}
        ),
        url=reverse("delegation:home"),
        parts=(
            []
            if hidden
            else [
                (_("On time"), counts["on_time"]),
                (_("Late"), counts["late"]),
                (_("Not yet reviewed"), counts["not_done"]),
            ]
        ),
        trend=[
            TrendPoint(label=label, value=_share(_counts(data, data.scope, part)), on=part.end)
            for label, part in quarters(data.period)
        ],
        organisation_value=(
            None if data.scope.everything else _share(_counts(data, Scope(), data.period))
        ),
        note=_("Hidden: too few people with a review due to show a figure.") if hidden else "",
    )


def indicators(*, scope: Scope, period: Period, today: dt.date | None = None) -> list[Indicator]:
    """Delegation's indicator for the overview (the contract "overview.indicators")."""
    return [dosing_reviews(_Data(scope=scope, period=period, today=today or timezone.localdate()))]


def followups(*, scope: Scope | None, owner_id: int | None, today: dt.date) -> list[FollowUp]:
    """The reviews a leader owes (for their own front page only: these are personal records)."""
    if owner_id is None:
        return []
    since = today - dt.timedelta(days=RECENT_DAYS)
    units = None
    if scope is not None and not scope.everything:
        units = set(Unit.objects.filter(path__startswith=scope.path).values_list("id", flat=True))
    found = []
    for r in reviews():
        if r.decided_by_id != owner_id or not r.task:
            continue
        if units is not None and r.unit_id not in units:
            continue
        if r.done_on is not None and r.done_on < since:
            continue
        found.append(
            FollowUp(
                kind="dosing_review",
                kind_label=_("Review of a trust dosing"),
                title=_("Review the trust dosing for the task “%(task)s”") % {"task": r.task},
                url=reverse("delegation:dosing", args=[r.dosing_id]),
                due_on=r.due_on,
                owner_id=owner_id,
                done=r.done_on is not None,
                done_on=r.done_on,
            )
        )
    found.sort(key=lambda f: (f.done, f.due_on, f.title))
    return found
