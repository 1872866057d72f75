"""Reads for the overview: what every installed module offers through contracts.

The overview imports no module. Its figures are the modules' indicators as
they hand them over ("overview.indicators"), already through the anonymity
engine; the overview only formats them and never adds figures up across
modules. Follow-ups ("overview.followups") are counted by kind.
"""

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from tillid.core import contracts
from tillid.core.indicators import FollowUp, Indicator, Measure, Period, Scope, Status, Track
from tillid.core.periods import add_months
from tillid.organisation import permissions
from tillid.organisation.models import Unit, UnitKind
from tillid.organisation.permissions import Perm
from tillid.overview import charts
from tillid.overview.effects.summary import EffectPanel, effect_panel
from tillid.overview.formatting import format_value, status_summary, track_status

__all__ = ["Period", "Scope"]

# The overview's figures describe people (answers, reports, dosings), so the
# parts of the organisation a user may narrow it to are those whose survey
# results they may see: everywhere for politicians, top management,
# consultants and MED/TR, their own subtree for leaders and employees.
SEEING = Perm.VIEW_SURVEY_RESULTS

# Indicators whose parts read in another measure than the indicator itself.
PART_MEASURES = {"governance.council_waiting": Measure.DAYS}

PICKABLE_KINDS = [UnitKind.ADMINISTRATION, UnitKind.AREA, UnitKind.INSTITUTION]


def default_period(*, today: dt.date) -> Period:
    """The last two years up to today: long enough for a trend over several rounds."""
    return Period(start=add_months(today, -24) + dt.timedelta(days=1), end=today)


def may_view(user) -> bool:
    return permissions.has_perm_anywhere(user, Perm.VIEW_OVERVIEW)


def units_seen(user) -> permissions.Scope:
    """Where the user may narrow the overview to (see SEEING)."""
    if not may_view(user):
        return permissions.Scope(everything=False)
    return permissions.scope_for(user, SEEING)


def unit_choices(seen: permissions.Scope) -> QuerySet[Unit]:
    """Forvaltninger, areas and institutions the user may see, and the top of
    each subtree they are given (a leader's own team), in tree order."""
    qs = Unit.objects.filter(is_active=True).filter(seen.unit_q())
    return qs.filter(Q(kind__in=PICKABLE_KINDS) | Q(path__in=seen.paths)).order_by("path")


def scope_of(unit: Unit | None) -> Scope:
    return Scope() if unit is None else Scope(unit_id=unit.pk, path=unit.path)


def may_see_scope(seen: permissions.Scope, scope: Scope) -> bool:
    if scope.everything:
        return seen.everything
    return seen.everything or any(scope.path.startswith(p) for p in seen.paths)


# --- the indicators ------------------------------------------------------------------


@dataclass
class TrendRow:
    label: str
    value: str
    interval: str = ""


@dataclass
class IndicatorView:
    indicator: Indicator
    value: str
    organisation_value: str  # "" when the scope is the whole organisation
    status_label: str
    trend_rows: list[TrendRow]
    chart: dict | None
    parts: list[tuple[str, str]]

    @property
    def code_id(self) -> str:
        return self.indicator.code.replace(".", "-").replace("_", "-")


@dataclass
class TrackView:
    track: Track
    items: list[IndicatorView]
    status: Status
    summary: str

    @property
    def label(self) -> str:
        return self.track.label

    @property
    def status_label(self) -> str:
        return self.status.label


def _cached(what: str, scope: Scope | None, extra: str, compute):
    """`compute()`, kept for settings.TILLID_OVERVIEW_CACHE_SECONDS per scope and
    language: the modules' indicators cost hundreds of milliseconds in a large
    municipality, and management information a few minutes old is still true."""
    seconds = settings.TILLID_OVERVIEW_CACHE_SECONDS
    if not seconds:
        return compute()
    where = "none" if scope is None else f"{scope.unit_id}:{scope.path}"
    key = f"tillid.overview:{what}:{get_language()}:{where}:{extra}"
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, seconds)
    return found


def _collect_indicators(scope: Scope, period: Period) -> list[Indicator]:
    return [
        indicator
        for _label, indicators in contracts.collect(
            "overview.indicators", scope=scope, period=period
        )
        for indicator in indicators
    ]


def indicators_by_track(*, scope: Scope, period: Period) -> dict[Track, list[Indicator]]:
    """Every module's indicators for the scope and period, by the five tracks in
    the order of seed 002 (modules in INSTALLED_APPS order within a track)."""
    found: dict[Track, list[Indicator]] = {track: [] for track in Track}
    indicators = _cached(
        "indicators",
        scope,
        f"{period.start}:{period.end}",
        lambda: _collect_indicators(scope, period),
    )
    for indicator in indicators:
        found[indicator.track].append(indicator)
    return found


def indicator_view(indicator: Indicator, *, scope: Scope) -> IndicatorView:
    measure = indicator.measure
    rows = []
    for point in indicator.trend:
        interval = ""
        if point.low is not None and point.high is not None:
            interval = _("%(low)s to %(high)s") % {
                "low": format_value(point.low, measure),
                "high": format_value(point.high, measure),
            }
        rows.append(TrendRow(point.label, format_value(point.value, measure), interval))
    return IndicatorView(
        indicator=indicator,
        value=format_value(indicator.value, measure),
        organisation_value=""
        if scope.everything
        else format_value(indicator.organisation_value, measure),
        status_label=indicator.status.label,
        trend_rows=rows,
        chart=charts.trend_spec(indicator, title=indicator.label),
        parts=[
            (label, format_value(value, part_measure(indicator)))
            for label, value in indicator.parts
        ],
    )


def part_measure(indicator: Indicator) -> Measure:
    if indicator.code in PART_MEASURES:
        return PART_MEASURES[indicator.code]
    return Measure.COUNT if indicator.measure == Measure.SHARE else indicator.measure


def tracks(*, scope: Scope, period: Period) -> list[TrackView]:
    found = indicators_by_track(scope=scope, period=period)
    return [
        TrackView(
            track=track,
            items=[indicator_view(i, scope=scope) for i in found[track]],
            status=track_status(found[track]),
            summary=status_summary(found[track]),
        )
        for track in Track
    ]


# --- follow-ups -------------------------------------------------------------------------


def followups(*, scope: Scope | None, owner_id: int | None, today: dt.date) -> list[FollowUp]:
    """Everything the modules have raised that is owed an answer (open, or just
    closed), soonest due first. An owner's own are always read afresh (they
    have just answered one); a scope's are kept like the indicators."""

    def compute() -> list[FollowUp]:
        found: list[FollowUp] = []
        for _label, rows in contracts.collect(
            "overview.followups", scope=scope, owner_id=owner_id, today=today
        ):
            found.extend(rows)
        found.sort(key=lambda f: (f.done, f.due_on or dt.date.max, f.title))
        return found

    if owner_id is not None:
        return compute()
    return _cached("followups", scope, str(today), compute)


@dataclass
class KindCount:
    kind: str
    label: str
    open: int = 0
    late: int = 0


@dataclass
class LateSummary:
    kinds: list[KindCount] = field(default_factory=list)
    late: list[FollowUp] = field(default_factory=list)

    @property
    def late_total(self) -> int:
        return len(self.late)

    @property
    def open_total(self) -> int:
        return sum(k.open for k in self.kinds)


def late_summary(rows: list[FollowUp], *, today: dt.date) -> LateSummary:
    """Open and late follow-ups counted per kind, and the late ones, most overdue first."""
    kinds: dict[str, KindCount] = {}
    for row in rows:
        if row.done:
            continue
        count = kinds.setdefault(row.kind, KindCount(row.kind, row.kind_label))
        count.open += 1
        if row.is_late(today):
            count.late += 1
    late = sorted(
        (row for row in rows if row.is_late(today)),
        key=lambda f: (f.due_on or dt.date.max, f.title),
    )
    return LateSummary(kinds=sorted(kinds.values(), key=lambda k: k.label), late=late)


def late_counts(rows: list[FollowUp], *, today: dt.date) -> Counter:
    return Counter(row.kind for row in rows if row.is_late(today))


def days_late(row: FollowUp, today: dt.date) -> int:
    return (today - row.due_on).days if row.due_on and row.is_late(today) else 0


# --- the published list of decisions -----------------------------------------------------


def published_decisions(*, period: Period, scope: Scope | None = None) -> list:
    """Every module's decisions for the published list, newest first: the whole
    organisation's unless a scope is given. It names no person."""
    found = []
    for _label, rows in contracts.collect(
        "overview.decisions", scope=scope or Scope(), period=period
    ):
        found.extend(rows)
    found.sort(key=lambda d: (d.decided_on, d.title), reverse=True)
    return found


def _four_f_ids(decisions: list) -> list[tuple[int, str, dt.date]]:
    """The four-F decisions among the published ones, by their review's number."""
    return [
        (d.decision_id, d.title, d.decided_on)
        for d in decisions
        if d.kind == "four_f" and d.decision_id is not None
    ]


def effects(*, scope: Scope, period: Period) -> EffectPanel:
    """The "Effects and inequality" panel for the scope and the four-F decisions
    decided in the period (cached: every decision's grade costs an estimate)."""

    def compute() -> EffectPanel:
        unit = Unit.objects.filter(pk=scope.unit_id).first() if scope.unit_id else None
        decisions = _four_f_ids(published_decisions(period=period, scope=scope))
        return effect_panel(unit=unit, decisions=decisions)

    return _cached("effects", scope, f"{period.start}:{period.end}", compute)


def decision_kinds(decisions: list) -> list[tuple[str, str]]:
    return sorted({(d.kind, d.kind_label) for d in decisions}, key=lambda k: k[1])


def decision_rows(decisions: list) -> list[list]:
    """The list as rows for CSV and XLSX, a header first."""
    rows: list[list] = [
        [
            _("Date"),
            _("Kind"),
            _("Title"),
            _("Layer"),
            _("Decision"),
            _("Rationale"),
            _("Hours freed a year"),
            _("DKK freed a year"),
            _("Units"),
        ]
    ]
    for d in decisions:
        rows.append(
            [
                d.decided_on,
                d.kind_label,
                d.title,
                d.layer,
                d.decision,
                d.rationale,
                None if d.hours_freed is None else round(d.hours_freed, 1),
                None if d.dkk_freed is None else round(d.dkk_freed),
                ", ".join(d.unit_names),
            ]
        )
    return rows


# --- the council report ------------------------------------------------------------------


@dataclass
class ReportPage:
    """What the council report shows; the PDF and the XLSX are made from it."""

    municipality: str
    scope_name: str
    period: Period
    today: dt.date
    tracks: list[TrackView]
    late: LateSummary
    decisions: list
    hours_freed: str
    dkk_freed: str
    council_waiting: list[tuple[str, str]]
    effects: EffectPanel | None = None

    def indicator(self, code: str) -> IndicatorView | None:
        for track in self.tracks:
            for item in track.items:
                if item.indicator.code == code:
                    return item
        return None


def report_page(*, scope: Scope, scope_name: str, period: Period, today: dt.date) -> ReportPage:
    found = tracks(scope=scope, period=period)
    late = late_summary(followups(scope=scope, owner_id=None, today=today), today=today)
    decisions = published_decisions(period=period, scope=scope)
    page = ReportPage(
        municipality=settings.TILLID_MUNICIPALITY_NAME,
        scope_name=scope_name,
        period=period,
        today=today,
        tracks=found,
        late=late,
        decisions=decisions,
        hours_freed="",
        dkk_freed="",
        council_waiting=[],
        effects=effects(scope=scope, period=period),
    )
    hours, dkk = page.indicator("governance.hours_freed"), page.indicator("governance.dkk_freed")
    page.hours_freed = hours.value if hours else format_value(None, Measure.HOURS)
    page.dkk_freed = dkk.value if dkk else format_value(None, Measure.DKK)
    waiting = page.indicator("governance.council_waiting")
    page.council_waiting = waiting.parts if waiting else []
    return page
