"""Governance's indicators for the overview of frisættelse ("overview.indicators").

Three tracks (seed 002): the council (what it decided, what waits for it,
escalations to the state, the time freed), the administration (register
coverage, reviews and their lead time, the documentation-neutral balance,
mushrooming) and the employees (red-tape reports and their answers).

Each indicator carries its value for the scope, the whole organisation's
value when the scope is narrower, a trend per quarter of the period, the
page behind the figure, and a status by a rule written beside it (the
`_status_*` functions, tested in tests/test_indicators.py). A figure "at the
end of the period" is taken on the period's last day, or today when the
period runs on past today.

Only the red-tape figures describe people (those who reported); they are
counted in the cells the anonymity engine shows (followup.reporter_cells).
The burden figures use the headcount of units, which is public inside the
municipality, as on the governance pages themselves.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from tillid.core.indicators import Indicator, Measure, Period, Scope, Status, Track, TrendPoint
from tillid.core.periods import median, quarters, share
from tillid.governance import followup, selectors
from tillid.governance.models import (
    OPEN_REVIEW_STATUSES,
    Decision,
    EscalationAnswer,
    Item,
    Layer,
    RedTapeReport,
    Review,
    ReviewStatus,
)
from tillid.organisation.models import Unit, UnitKind

# --- status rules (each returns a status and the rule in words) ---------------------

COUNCIL_WAIT_WATCH_DAYS = 60
COUNCIL_WAIT_BEHIND_DAYS = 180
ESCALATION_WATCH_DAYS = 180
COVERAGE_ON_TRACK = 0.8
COVERAGE_WATCH = 0.5
LEAD_TIME_ON_TRACK_DAYS = 90
LEAD_TIME_WATCH_DAYS = 180
GROWTH_WATCH = 0.05  # items in force may grow this much over the period before "behind"
LATE_WATCH = 0.2  # share of reports waiting past the promise before "behind"
WITHIN_PROMISE_ON_TRACK = 0.9
WITHIN_PROMISE_WATCH = 0.75


def _pct(value: float) -> str:
    return f"{round(100 * value)} %"


def _num(value: float, decimals: int = 0) -> str:
    return number_format(round(value, decimals), decimals, force_grouping=True)


def status_council_decided(decided: int, has_council_items: bool) -> tuple[Status, str]:
    """On track with at least one council decision in the period, watch with none."""
    if not has_council_items:
        return Status.NO_DATA, _("No governance from the council is registered.")
    if decided:
        return Status.ON_TRACK, _("The council has decided on its governance in the period.")
    return Status.WATCH, _("The council has decided on none of its governance in the period.")


def status_council_waiting(longest_days: int | None) -> tuple[Status, str]:
    """Behind when an item has waited more than 180 days, watch from 60 days."""
    if longest_days is None:
        return Status.ON_TRACK, _("Nothing is waiting for the council's decision.")
    if longest_days > COUNCIL_WAIT_BEHIND_DAYS:
        return Status.BEHIND, _(
            "An item has waited %(days)s days for the council (behind after %(limit)s days)."
        ) % {"days": longest_days, "limit": COUNCIL_WAIT_BEHIND_DAYS}
    if longest_days > COUNCIL_WAIT_WATCH_DAYS:
        return Status.WATCH, _(
            "An item has waited %(days)s days for the council (watch after %(limit)s days)."
        ) % {"days": longest_days, "limit": COUNCIL_WAIT_WATCH_DAYS}
    return Status.ON_TRACK, _("Nothing has waited more than %(limit)s days for the council.") % {
        "limit": COUNCIL_WAIT_WATCH_DAYS
    }


def status_escalations(total: int, longest_waiting_days: int | None) -> tuple[Status, str]:
    """The answer lies with the state: watch when one has waited more than 180 days."""
    if not total:
        return Status.NO_DATA, _("Nothing has been escalated to a higher layer.")
    if longest_waiting_days is not None and longest_waiting_days > ESCALATION_WATCH_DAYS:
        return Status.WATCH, _(
            "An escalation has waited %(days)s days for an answer; ask again."
        ) % {"days": longest_waiting_days}
    return Status.ON_TRACK, _(
        "No escalation has waited more than %(limit)s days for an answer."
    ) % {"limit": ESCALATION_WATCH_DAYS}


def status_freed(at_end: float, at_start: float, decisions: int) -> tuple[Status, str]:
    """Behind when decisions in force add burden on balance; watch when nothing more was
    freed during the period; on track when it grew."""
    if not decisions:
        return Status.NO_DATA, _("No decision of a review is in force yet.")
    if at_end < 0:
        return Status.BEHIND, _("The decisions in force add more burden than they free.")
    if at_end <= at_start:
        return Status.WATCH, _("No more time was freed during the period.")
    return Status.ON_TRACK, _("More time was freed during the period.")


def status_share(
    value: float | None, on_track: float, watch: float, what: str
) -> tuple[Status, str]:
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


def status_reviews(opened: int, decided: int, still_open: int) -> tuple[Status, str]:
    """Behind when none was decided though reviews are open; watch when fewer than half as
    many were decided as opened; on track otherwise."""
    if not (opened or decided or still_open):
        return Status.NO_DATA, _("No reviews in the period.")
    if not decided:
        return Status.BEHIND, _("No review was decided in the period, though some are open.")
    if decided * 2 < opened:
        return Status.WATCH, _("Fewer than half as many reviews were decided as opened.")
    return Status.ON_TRACK, _("Reviews are decided at the pace they are opened.")


def status_lead_time(days: float | None) -> tuple[Status, str]:
    """On track with a median up to 90 days, watch up to 180, behind beyond."""
    if days is None:
        return Status.NO_DATA, _("No review was decided in the period.")
    rule = _("On track up to %(on)s days, watch up to %(watch)s days.") % {
        "on": LEAD_TIME_ON_TRACK_DAYS,
        "watch": LEAD_TIME_WATCH_DAYS,
    }
    if days <= LEAD_TIME_ON_TRACK_DAYS:
        return Status.ON_TRACK, rule
    if days <= LEAD_TIME_WATCH_DAYS:
        return Status.WATCH, rule
    return Status.BEHIND, rule


def status_balance(added: float, removed: float) -> tuple[Status, str]:
    """Documentation neutrality: on track when no more was added than removed; watch when
    more was added but something was removed; behind when nothing was."""
    if not added and not removed:
        return Status.NO_DATA, _("Nothing was added or removed in the period.")
    if added - removed <= 0:
        return Status.ON_TRACK, _("No more burden was added than removed.")
    if removed:
        return Status.WATCH, _("More burden was added than removed.")
    return Status.BEHIND, _("Burden was added and none removed.")


def status_growth(net: int, at_start: int) -> tuple[Status, str]:
    """Mushrooming: on track when the governance in force did not grow; watch up to 5 %
    growth over the period; behind beyond."""
    if net <= 0:
        return Status.ON_TRACK, _("The governance in force did not grow.")
    if at_start and net <= GROWTH_WATCH * at_start:
        return Status.WATCH, _("The governance in force grew by up to %(limit)s.") % {
            "limit": _pct(GROWTH_WATCH)
        }
    return Status.BEHIND, _("The governance in force grew by more than %(limit)s.") % {
        "limit": _pct(GROWTH_WATCH)
    }


def status_late_reports(received: int | None, late: int) -> tuple[Status, str]:
    """On track when no report waits past the promise; watch up to a fifth; behind beyond."""
    if not received:
        return Status.NO_DATA, _("No reports to count.")
    if not late:
        return Status.ON_TRACK, _("No report waits past the promised time.")
    if late <= LATE_WATCH * received:
        return Status.WATCH, _("Some reports wait past the promised time.")
    return Status.BEHIND, _("More than %(limit)s of the reports wait past the promised time.") % {
        "limit": _pct(LATE_WATCH)
    }


def status_days_to_answer(days: float | None, promise: int) -> tuple[Status, str]:
    """On track with a median up to two thirds of the promise, watch up to the promise."""
    if days is None:
        return Status.NO_DATA, _("No report was answered in the period.")
    rule = _("On track up to %(on)s days, watch up to the promised %(promise)s days.") % {
        "on": _num(promise * 2 / 3),
        "promise": promise,
    }
    if days <= promise * 2 / 3:
        return Status.ON_TRACK, rule
    if days <= promise:
        return Status.WATCH, rule
    return Status.BEHIND, rule


# --- the data, read once per call ----------------------------------------------------


@dataclass
class _Data:
    scope: Scope
    period: Period
    today: dt.date
    tree: selectors.Tree = field(default_factory=selectors.unit_tree)
    cache: dict = field(default_factory=dict)

    @property
    def at_end(self) -> dt.date:
        return min(self.period.end, self.today)

    @cached_property
    def items(self) -> dict[int, dict]:
        return {
            row["pk"]: row
            for row in Item.objects.values(
                "pk", "title", "layer", "status", "introduced_on", "ended_on", "controls_id"
            )
        }

    @cached_property
    def bound(self) -> dict[int, list[int]]:
        units: dict[int, list[int]] = defaultdict(list)
        for item_id, unit_id in Item.units.through.objects.values_list("item_id", "unit_id"):
            units[item_id].append(unit_id)
        return units

    def touching(self, scope: Scope) -> set[int]:
        """Items binding people in the scope: a bound unit inside it or above it."""
        if scope.everything:
            return set(self.items)
        above = set(self.tree.ancestors_or_self(scope.unit_id))
        paths = self.tree.paths
        return {
            pk
            for pk, units in self.bound.items()
            if any(u in above or paths.get(u, "").startswith(scope.path) for u in units)
        }

    @cached_property
    def reviews(self) -> list[Review]:
        return list(Review.objects.select_related("item").order_by("pk"))

    def reviews_in(self, scope: Scope) -> list[Review]:
        touching = self.touching(scope)
        return [r for r in self.reviews if r.item_id in touching]

    @cached_property
    def first_before(self) -> dict[int, float]:
        """Each item's minutes per person before its first decision."""
        found: dict[int, float] = {}
        for r in sorted(self.reviews, key=lambda r: (r.decided_on or dt.date.max, r.pk)):
            if r.minutes_before is not None:
                found.setdefault(r.item_id, float(r.minutes_before))
        return found

    @cached_property
    def reached_deciding(self) -> dict[int, dt.date]:
        """The day each review became ready for decision (from its history)."""
        found: dict[int, dt.date] = {}
        for review_id, when in (
            Review.history.filter(status=ReviewStatus.DECIDING)
            .order_by("history_date")
            .values_list("id", "history_date")
        ):
            found.setdefault(review_id, timezone.localtime(when).date())
        return found

    @cached_property
    def figures(self) -> dict:
        ids = {r.item_id for r in self.reviews if r.decided_on} | {
            pk for pk, row in self.items.items() if self.period.start <= row["introduced_on"]
        }
        return selectors.item_figures(Item.objects.filter(pk__in=ids), self.tree)

    def people(self, item_id: int, scope: Scope) -> float:
        fig = self.figures[item_id]
        if scope.everything:
            return fig.burden.people
        return self.tree.people_within(fig.unit_ids, scope.unit_id) * fig.share_factor

    @cached_property
    def reports(self) -> list[RedTapeReport]:
        return list(
            RedTapeReport.objects.filter(reported_on__lte=self.period.end).only(
                "pk", "unit_id", "reporter_id", "reported_on", "due_on", "answered_on"
            )
        )

    @cached_property
    def unit_rows(self) -> list:
        return followup.unit_rows()

    @cached_property
    def units(self) -> list[tuple[int, str, str]]:
        return list(Unit.objects.filter(is_active=True).values_list("id", "path", "kind"))


def _trend(period: Period, figure) -> list[TrendPoint]:
    return [
        TrendPoint(label=label, value=figure(part), on=part.end) for label, part in quarters(period)
    ]


def _with_organisation(data: _Data, figure) -> float | None:
    return None if data.scope.everything else figure(Scope())


# --- council -----------------------------------------------------------------------


def _council_decisions(data: _Data, scope: Scope, part: Period) -> list[Review]:
    return [
        r
        for r in data.reviews_in(scope)
        if r.status == ReviewStatus.DECIDED
        and r.decision
        and r.item.layer == Layer.COUNCIL
        and r.decided_on is not None
        and r.decided_on in part
    ]


def council_decided(data: _Data) -> Indicator:
    decided = _council_decisions(data, data.scope, data.period)
    counts = defaultdict(int)
    for r in decided:
        counts[r.decision] += 1
    has_items = any(
        data.items[pk]["layer"] == Layer.COUNCIL
        for pk in data.touching(data.scope)
        if pk in data.items
    )
    status, rule = status_council_decided(len(decided), has_items)
    return Indicator(
        track=Track.COUNCIL,
        code="governance.council_decided",
        label=_("Governance decided by the council"),
        value=len(decided),
        measure=Measure.COUNT,
        status=status,
        explanation=_(
            "%(n)s decisions on governance from the council in the period "
            "(removed, changed, kept or anchored). %(rule)s"
        )
        % {"n": len(decided), "rule": rule},
        url=reverse("governance:reviews") + "?status=decided",
        parts=[(str(label), counts.get(key, 0)) for key, label in Decision.choices],
        trend=_trend(data.period, lambda part: len(_council_decisions(data, data.scope, part))),
        organisation_value=_with_organisation(
            data, lambda s: len(_council_decisions(data, s, data.period))
        ),
    )


def _waiting_for_council(data: _Data, scope: Scope, on: dt.date) -> list[tuple[Review, int]]:
    """Council-layer reviews ready for decision on `on`, with the days each had waited."""
    found = []
    for r in data.reviews_in(scope):
        if r.item.layer != Layer.COUNCIL:
            continue
        reached = data.reached_deciding.get(r.pk)
        if reached is None or reached > on:
            continue
        if r.decided_on is not None and r.decided_on <= on:
            continue
        if r.decided_on is None and r.status not in OPEN_REVIEW_STATUSES:
            continue
        found.append((r, (on - reached).days))
    found.sort(key=lambda pair: (-pair[1], pair[0].item.title))
    return found


def council_waiting(data: _Data) -> Indicator:
    """What waits for the council: the report lists `parts`, (item title, days waited)."""
    waiting = _waiting_for_council(data, data.scope, data.at_end)
    status, rule = status_council_waiting(waiting[0][1] if waiting else None)
    return Indicator(
        track=Track.COUNCIL,
        code="governance.council_waiting",
        label=_("Waiting for the council"),
        value=len(waiting),
        measure=Measure.COUNT,
        status=status,
        explanation=_(
            "%(n)s reviews of the council's governance are ready for its decision; the parts "
            "name them with the days each has waited. %(rule)s"
        )
        % {"n": len(waiting), "rule": rule},
        url=reverse("governance:reviews") + "?status=deciding",
        parts=[(r.item.title, days) for r, days in waiting[:10]],
        trend=_trend(
            data.period,
            lambda part: len(_waiting_for_council(data, data.scope, min(part.end, data.today))),
        ),
        organisation_value=_with_organisation(
            data, lambda s: len(_waiting_for_council(data, s, data.at_end))
        ),
    )


def _escalations(data: _Data, scope: Scope, on: dt.date) -> dict[str, list[Review]]:
    found: dict[str, list[Review]] = {key: [] for key in EscalationAnswer.values}
    for r in data.reviews_in(scope):
        if not r.escalated_to or r.decided_on is None or r.decided_on > on:
            continue
        answered = r.escalation_answered_on is not None and r.escalation_answered_on <= on
        found[r.escalation_answer if answered else EscalationAnswer.WAITING].append(r)
    return found


def state_escalations(data: _Data) -> Indicator:
    found = _escalations(data, data.scope, data.at_end)
    waiting = found[EscalationAnswer.WAITING]
    longest = max(((data.at_end - r.decided_on).days for r in waiting), default=None)
    status, rule = status_escalations(sum(len(v) for v in found.values()), longest)
    return Indicator(
        track=Track.COUNCIL,
        code="governance.escalations",
        label=_("Escalations to the state"),
        value=len(waiting),
        measure=Measure.COUNT,
        status=status,
        explanation=_(
            "%(n)s removals only a higher layer can make wait for its answer; %(granted)s "
            "were granted and %(refused)s refused. %(rule)s"
        )
        % {
            "n": len(waiting),
            "granted": len(found[EscalationAnswer.GRANTED]),
            "refused": len(found[EscalationAnswer.REFUSED]),
            "rule": rule,
        },
        url=reverse("governance:reviews") + "?status=escalated",
        parts=[(str(label), len(found[key])) for key, label in EscalationAnswer.choices],
        trend=_trend(
            data.period,
            lambda part: len(
                _escalations(data, data.scope, min(part.end, data.today))[EscalationAnswer.WAITING]
            ),
        ),
        organisation_value=_with_organisation(
            data, lambda s: len(_escalations(data, s, data.at_end)[EscalationAnswer.WAITING])
        ),
    )


# The one definition of "in force" and of freed time (selectors.in_force).
in_force_since = selectors.in_force_since


def _freed(data: _Data, scope: Scope, on: dt.date) -> tuple[float, float, int]:
    """Hours a year freed by decisions in force on `on`: (all, confirmed at follow-up, count).

    What a decision frees, and from when, is `selectors.freed_minutes`.
    """
    total = confirmed = 0.0
    count = 0
    for r in data.reviews_in(scope):
        minutes = selectors.freed_minutes(r, on)
        if minutes is None or r.item_id not in data.figures:
            continue
        hours = minutes * data.people(r.item_id, scope) / 60
        total += hours
        count += 1
        followed = r.followed_up_on is not None and r.followed_up_on <= on
        if followed and r.follow_up_verdict:
            confirmed += hours
    return total, confirmed, count


def _freed_indicator(data: _Data, *, dkk: bool) -> Indicator:
    cost = selectors.hourly_cost() if dkk else 1.0
    total, confirmed, count = _freed(data, data.scope, data.at_end)
    before, _c, _n = _freed(data, data.scope, data.period.start - dt.timedelta(days=1))
    status, rule = status_freed(total, before, count)
    figure = _num(total * cost)
    return Indicator(
        track=Track.COUNCIL,
        code="governance.dkk_freed" if dkk else "governance.hours_freed",
        label=_("Kroner freed a year") if dkk else _("Hours freed a year"),
        value=total * cost,
        measure=Measure.DKK if dkk else Measure.HOURS,
        status=status,
        explanation=(
            _(
                "%(count)s decisions in force free %(figure)s kroner a year at %(cost)s kroner "
                "an hour; %(confirmed)s of it is confirmed at the follow-up. %(rule)s"
            )
            if dkk
            else _(
                "%(count)s decisions in force free %(figure)s hours a year; %(confirmed)s of "
                "them are confirmed at the follow-up. %(rule)s"
            )
        )
        % {
            "count": count,
            "figure": figure,
            "cost": _num(selectors.hourly_cost()),
            "confirmed": _num(confirmed * cost),
            "rule": rule,
        },
        url=reverse("governance:balance"),
        parts=[
            (_("Confirmed at the follow-up"), confirmed * cost),
            (_("Not yet followed up"), (total - confirmed) * cost),
        ],
        trend=_trend(
            data.period,
            lambda part: _freed(data, data.scope, min(part.end, data.today))[0] * cost,
        ),
        organisation_value=_with_organisation(
            data, lambda s: _freed(data, s, data.at_end)[0] * cost
        ),
    )


# --- administration ----------------------------------------------------------------


def _alive(row: dict, on: dt.date) -> bool:
    return selectors.is_in_force(
        status=row["status"], introduced_on=row["introduced_on"], ended_on=row["ended_on"], on=on
    )


def _coverage(data: _Data, scope: Scope, on: dt.date) -> tuple[int, int]:
    """(units with governance registered at or below them on `on`, units counted).

    The units counted are the institutions in the scope (all its units below the
    top when it has no institutions): has each registered its own governance, not
    only what binds it from above?
    """
    prefix = "" if scope.everything else scope.path
    units = [(uid, path, kind) for uid, path, kind in data.units if path.startswith(prefix)]
    counted = [uid for uid, _path, kind in units if kind == UnitKind.INSTITUTION]
    if not counted:  # no institutions: every unit below the scope's own
        top = min((path.count("/") for _uid, path, _kind in units), default=0)
        counted = [uid for uid, path, _kind in units if path.count("/") > top]
    if not counted:
        return 0, 0
    covered: set[int] = set()
    for pk, row in data.items.items():
        if not _alive(row, on):
            continue
        for unit_id in data.bound.get(pk, ()):
            covered.update(data.tree.ancestors_or_self(unit_id))
    return sum(1 for u in counted if u in covered), len(counted)


def register_coverage(data: _Data) -> Indicator:
    covered, counted = _coverage(data, data.scope, data.at_end)
    value = share(covered, counted)
    status, rule = status_share(
        value, COVERAGE_ON_TRACK, COVERAGE_WATCH, _("Share of units with registered governance")
    )
    return Indicator(
        track=Track.ADMINISTRATION,
        code="governance.register_coverage",
        label=_("Register coverage"),
        value=value,
        measure=Measure.SHARE,
        status=status,
        explanation=_(
            "%(covered)s of %(counted)s institutions have their own governance in the "
            "register (bound to them or to a unit below them). %(rule)s"
        )
        % {"covered": covered, "counted": counted, "rule": rule},
        url=reverse("governance:register"),
        parts=[(_("Registered"), covered), (_("Not registered"), counted - covered)],
        trend=_trend(
            data.period,
            lambda part: share(*_coverage(data, data.scope, min(part.end, data.today))),
        ),
        organisation_value=_with_organisation(
            data, lambda s: share(*_coverage(data, s, data.at_end))
        ),
    )


def _opened_on(review: Review) -> dt.date:
    """The day a review was opened; one registered after its decision counts from that."""
    opened = timezone.localtime(review.created_at).date()
    return min(opened, review.decided_on) if review.decided_on else opened


def _review_counts(data: _Data, scope: Scope, part: Period) -> dict[str, int]:
    rows = data.reviews_in(scope)
    return {
        "opened": sum(1 for r in rows if _opened_on(r) in part),
        "decided": sum(1 for r in rows if r.decided_on and r.decided_on in part),
        "escalated": sum(
            1 for r in rows if r.escalated_to and r.decided_on and r.decided_on in part
        ),
        "open": sum(
            1
            for r in rows
            if _opened_on(r) <= part.end and (r.decided_on is None or r.decided_on > part.end)
        ),
    }


def reviews_indicator(data: _Data) -> Indicator:
    counts = _review_counts(data, data.scope, data.period)
    status, rule = status_reviews(counts["opened"], counts["decided"], counts["open"])
    return Indicator(
        track=Track.ADMINISTRATION,
        code="governance.reviews",
        label=_("Reviews decided"),
        value=counts["decided"],
        measure=Measure.COUNT,
        status=status,
        explanation=_(
            "%(opened)s reviews were opened and %(decided)s decided in the period "
            "(%(escalated)s of them escalated); %(open)s are still open. %(rule)s"
        )
        % {**counts, "rule": rule},
        url=reverse("governance:reviews"),
        parts=[
            (_("Opened"), counts["opened"]),
            (_("Decided"), counts["decided"]),
            (_("Escalated"), counts["escalated"]),
            (_("Still open"), counts["open"]),
        ],
        trend=_trend(data.period, lambda part: _review_counts(data, data.scope, part)["decided"]),
        organisation_value=_with_organisation(
            data, lambda s: _review_counts(data, s, data.period)["decided"]
        ),
    )


def _lead_time(data: _Data, scope: Scope, part: Period) -> float | None:
    """Median days from opening a review to its decision, for those decided in `part`."""
    return median(
        (r.decided_on - _opened_on(r)).days
        for r in data.reviews_in(scope)
        if r.decided_on and r.decided_on in part
    )


def review_lead_time(data: _Data) -> Indicator:
    value = _lead_time(data, data.scope, data.period)
    status, rule = status_lead_time(value)
    return Indicator(
        track=Track.ADMINISTRATION,
        code="governance.review_lead_time",
        label=_("Median lead time of a review"),
        value=value,
        measure=Measure.DAYS,
        status=status,
        explanation=(
            _("Half the reviews decided in the period took %(days)s days or less. %(rule)s")
            % {"days": _num(value), "rule": rule}
            if value is not None
            else rule
        ),
        url=reverse("governance:reviews") + "?status=decided",
        trend=_trend(data.period, lambda part: _lead_time(data, data.scope, part)),
        organisation_value=_with_organisation(data, lambda s: _lead_time(data, s, data.period)),
    )


def _balance(data: _Data, scope: Scope, part: Period) -> tuple[float, float]:
    """(hours added, hours removed) a year in `part`, as on the balance page.

    Added: items introduced in the part, at their minutes per person before any
    decision, and decisions that raised the minutes. Removed: decisions that lowered
    them. Hours use today's headcount of the people bound within the scope.
    """
    first_before = data.first_before
    touching = data.touching(scope)
    added = removed = 0.0
    for pk, row in data.items.items():
        if pk in touching and row["introduced_on"] in part and pk in data.figures:
            mpp = first_before.get(pk, data.figures[pk].burden.minutes_per_person)
            added += mpp * data.people(pk, scope) / 60
    for r in data.reviews_in(scope):
        if r.status != ReviewStatus.DECIDED or r.minutes_before is None:
            continue
        if not r.decided_on or r.decided_on not in part or r.item_id not in data.figures:
            continue
        delta = float(r.minutes_before) - float(r.minutes_after or 0)
        hours = abs(delta) * data.people(r.item_id, scope) / 60
        if delta > 0:
            removed += hours
        else:
            added += hours
    return added, removed


def balance_indicator(data: _Data) -> Indicator:
    added, removed = _balance(data, data.scope, data.period)
    status, rule = status_balance(added, removed)
    return Indicator(
        track=Track.ADMINISTRATION,
        code="governance.balance",
        label=_("Documentation-neutral balance"),
        value=added - removed,
        measure=Measure.HOURS,
        status=status,
        explanation=_(
            "%(added)s hours a year were added and %(removed)s removed in the period. %(rule)s"
        )
        % {"added": _num(added), "removed": _num(removed), "rule": rule},
        url=reverse("governance:balance"),
        parts=[(_("Added"), added), (_("Removed"), removed)],
        trend=_trend(
            data.period, lambda part: (lambda a, r: a - r)(*_balance(data, data.scope, part))
        ),
        organisation_value=_with_organisation(
            data, lambda s: (lambda a, r: a - r)(*_balance(data, s, data.period))
        ),
    )


def _in_force(data: _Data, scope: Scope, on: dt.date) -> int:
    touching = data.touching(scope)
    return sum(1 for pk, row in data.items.items() if pk in touching and _alive(row, on))


def _control_chains(data: _Data, scope: Scope) -> int:
    """Items in force that control an item that itself controls another (or deeper)."""
    touching = data.touching(scope)
    links = {
        pk: row["controls_id"]
        for pk, row in data.items.items()
        if row["controls_id"] and _alive(row, data.at_end)
    }
    found = 0
    for pk in links:
        if pk not in touching:
            continue
        depth, current, seen = 0, pk, {pk}
        while current in links and links[current] not in seen:
            current = links[current]
            seen.add(current)
            depth += 1
        found += depth >= 2
    return found


def mushrooming(data: _Data) -> Indicator:
    start = data.period.start - dt.timedelta(days=1)
    at_start = _in_force(data, data.scope, start)
    at_end = _in_force(data, data.scope, data.at_end)
    touching = data.touching(data.scope)
    introduced = sum(
        1
        for pk, row in data.items.items()
        if pk in touching and data.period.start <= row["introduced_on"] <= data.at_end
    )
    ended = sum(
        1
        for pk, row in data.items.items()
        if pk in touching and row["ended_on"] and data.period.start < row["ended_on"] <= data.at_end
    )
    chains = _control_chains(data, data.scope)
    status, rule = status_growth(at_end - at_start, at_start)
    return Indicator(
        track=Track.ADMINISTRATION,
        code="governance.mushrooming",
        label=_("Growth of the governance in force"),
        value=at_end - at_start,
        measure=Measure.COUNT,
        status=status,
        explanation=_(
            "%(introduced)s items came into force and %(ended)s ended in the period: "
            "%(start)s in force at the start, %(end)s at the end. %(chains)s items control "
            "a control. %(rule)s"
        )
        % {
            "introduced": introduced,
            "ended": ended,
            "start": at_start,
            "end": at_end,
            "chains": chains,
            "rule": rule,
        },
        url=reverse("governance:signals"),
        parts=[
            (_("Introduced"), introduced),
            (_("Ended"), ended),
            (_("Controls of controls"), chains),
        ],
        trend=_trend(
            data.period, lambda part: _in_force(data, data.scope, min(part.end, data.today))
        ),
        organisation_value=_with_organisation(
            data,
            lambda s: _in_force(data, s, data.at_end) - _in_force(data, s, start),
        ),
    )


# --- employees: red tape ---------------------------------------------------------------


@dataclass
class _ReportFigures:
    received: int
    answered: int
    waiting: int
    late: int  # waiting past the due date
    days: list[int]  # to each answer
    settled: int  # answered, or past due
    in_time: int  # answered by the due date


def _report_figures(data: _Data, scope: Scope, part: Period) -> _ReportFigures | None:
    """Reports received in `part`, counted in the scope's cell of reporters; None: hidden.

    The anonymity engine decides once per part of the period, for the whole tree.
    """
    key = (scope, part)
    if key not in data.cache:
        data.cache[key] = _compute_report_figures(data, scope, part)
    return data.cache[key]


def _compute_report_figures(data: _Data, scope: Scope, part: Period) -> _ReportFigures | None:
    reports = [r for r in data.reports if r.reported_on in part]
    if not reports:
        return _ReportFigures(0, 0, 0, 0, [], 0, 0)
    if part not in data.cache:
        data.cache[part] = followup.reporter_cells(
            [(r.pk, r.unit_id, r.reporter_id) for r in reports], units=data.unit_rows
        )
    shown = data.cache[part].reports_in(scope)
    if shown is None:
        return None
    on = min(part.end, data.today)
    promise = dt.timedelta(days=int(followup_promise()))
    figures = _ReportFigures(0, 0, 0, 0, [], 0, 0)
    for r in reports:
        if r.pk not in shown:
            continue
        due = r.due_on or r.reported_on + promise
        answered = r.answered_on is not None and r.answered_on <= on
        figures.received += 1
        if answered:
            figures.answered += 1
            figures.days.append((r.answered_on - r.reported_on).days)
            figures.settled += 1
            figures.in_time += r.answered_on <= due
        else:
            figures.waiting += 1
            if due < on:
                figures.late += 1
                figures.settled += 1
    return figures


def followup_promise() -> int:
    return int(settings.TILLID_RED_TAPE_PROMISE_DAYS)


def _hidden() -> str:
    return _("Hidden: too few have reported to show a figure.")


def red_tape_received(data: _Data) -> Indicator:
    figures = _report_figures(data, data.scope, data.period)
    if figures is None:
        status, explanation, value, parts = Status.NO_DATA, _hidden(), None, []
    else:
        status, rule = status_late_reports(figures.received, figures.late)
        value = figures.received
        explanation = _(
            "%(received)s red-tape reports arrived in the period; %(answered)s are answered, "
            "%(waiting)s wait for an answer and %(late)s of these are past the promised "
            "%(promise)s days. %(rule)s"
        ) % {
            "received": figures.received,
            "answered": figures.answered,
            "waiting": figures.waiting,
            "late": figures.late,
            "promise": followup_promise(),
            "rule": rule,
        }
        parts = [
            (_("Answered"), figures.answered),
            (_("Waiting for an answer"), figures.waiting),
            (_("Past the promised time"), figures.late),
        ]

    def count(scope: Scope, part: Period):
        found = _report_figures(data, scope, part)
        return None if found is None else found.received

    return Indicator(
        track=Track.EMPLOYEES,
        code="governance.red_tape_received",
        label=_("Red-tape reports received"),
        value=value,
        measure=Measure.COUNT,
        status=status,
        explanation=explanation,
        url=reverse("governance:queue"),
        parts=parts,
        trend=_trend(data.period, lambda part: count(data.scope, part)),
        organisation_value=_with_organisation(data, lambda s: count(s, data.period)),
        note=_hidden() if figures is None else "",
    )


def red_tape_days_to_answer(data: _Data) -> Indicator:
    figures = _report_figures(data, data.scope, data.period)
    value = median(figures.days) if figures else None
    status, rule = status_days_to_answer(value, followup_promise())

    def days(scope: Scope, part: Period):
        found = _report_figures(data, scope, part)
        return median(found.days) if found else None

    return Indicator(
        track=Track.EMPLOYEES,
        code="governance.red_tape_days_to_answer",
        label=_("Median days to an answer"),
        value=value,
        measure=Measure.DAYS,
        status=status,
        explanation=(
            _hidden()
            if figures is None
            else _("Half the answered reports were answered within %(days)s days. %(rule)s")
            % {"days": _num(value), "rule": rule}
            if value is not None
            else rule
        ),
        url=reverse("governance:queue"),
        trend=_trend(data.period, lambda part: days(data.scope, part)),
        organisation_value=_with_organisation(data, lambda s: days(s, data.period)),
        note=_hidden() if figures is None else "",
    )


def red_tape_within_promise(data: _Data) -> Indicator:
    figures = _report_figures(data, data.scope, data.period)
    value = share(figures.in_time, figures.settled) if figures else None
    status, rule = status_share(
        value,
        WITHIN_PROMISE_ON_TRACK,
        WITHIN_PROMISE_WATCH,
        _("Share answered within the promised time"),
    )

    def within(scope: Scope, part: Period):
        found = _report_figures(data, scope, part)
        return share(found.in_time, found.settled) if found else None

    return Indicator(
        track=Track.EMPLOYEES,
        code="governance.red_tape_within_promise",
        label=_("Answered within the promised time"),
        value=value,
        measure=Measure.SHARE,
        status=status,
        explanation=(
            _hidden()
            if figures is None
            else _(
                "%(in_time)s of %(settled)s reports that are answered or past their due date "
                "were answered within %(promise)s days. %(rule)s"
            )
            % {
                "in_time": figures.in_time,
                "settled": figures.settled,
                "promise": followup_promise(),
                "rule": rule,
            }
        ),
        url=reverse("governance:queue") + "?late=1",
        parts=(
            [
                (_("Within the promised time"), figures.in_time),
                (_("Late"), figures.settled - figures.in_time),
            ]
            if figures
            else []
        ),
        trend=_trend(data.period, lambda part: within(data.scope, part)),
        organisation_value=_with_organisation(data, lambda s: within(s, data.period)),
        note=_hidden() if figures is None else "",
    )


def indicators(*, scope: Scope, period: Period, today: dt.date | None = None) -> list[Indicator]:
    """Governance's indicators for the overview (the contract "overview.indicators")."""
    data = _Data(scope=scope, period=period, today=today or timezone.localdate())
    return [
        council_decided(data),
        council_waiting(data),
        state_escalations(data),
        _freed_indicator(data, dkk=False),
        _freed_indicator(data, dkk=True),
        register_coverage(data),
        reviews_indicator(data),
        review_lead_time(data),
        balance_indicator(data),
        mushrooming(data),
        red_tape_received(data),
        red_tape_days_to_answer(data),
        red_tape_within_promise(data),
    ]
