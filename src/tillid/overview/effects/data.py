"""Reads for the effect pages: panels gathered from the modules through contracts.

The overview imports no module. What a four-F decision or a trial touched
comes from "effects.treatments", the outcomes from "effects.outcomes" and
"effects.outcome_values" (already through the anonymity engine); this module
picks the comparison units, lays out the `Panel` and calls `assess_effect`.
"""

import bisect
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from tillid.core import contracts
from tillid.organisation.models import Unit, UnitKind
from tillid.organisation.permissions import Scope
from tillid.overview.effects.estimate import EffectSettings
from tillid.overview.effects.grade import Evidence, GradeRules, assess_effect
from tillid.overview.effects.inequality import InequalityWatch, UnitValue, inequality_watch
from tillid.overview.effects.panel import Panel, PanelError

COMPARE_KIND = "kind"  # units of the same kind in the whole organisation (what the user may see)
COMPARE_AREA = "area"  # units of the same kind in the same forvaltning as the treated units
COMPARE_CHOSEN = "chosen"  # the units the user picks among those of the same kind
COMPARISONS = (COMPARE_AREA, COMPARE_KIND, COMPARE_CHOSEN)
# The four-F decisions that free units (remove or change governance).
FREEING_DECISIONS = ("remove", "change")


def treatment(*, decision_id=None, trial_id=None, group=None) -> dict | None:
    """What the decision, trial or group touched, from whichever module offers it."""
    for _label, found in contracts.collect(
        "effects.treatments", decision_id=decision_id, trial_id=trial_id, group=group
    ):
        if found is not None:
            return found
    return None


def outcome_choices() -> list[tuple[str, str]]:
    """Every module's outcomes, the trust compass's first (the default)."""
    found = [c for _label, offered in contracts.collect("effects.outcomes") for c in offered]
    return sorted(found, key=lambda choice: not choice[0].startswith("compass:"))


def treatment_kinds() -> list[tuple[str, str]]:
    return contracts.call("effects.treatment_kinds", default=[])


def outcome_values(outcome: str, unit_ids: list[int], treatment: dict | None = None) -> dict | None:
    for _label, found in contracts.collect(
        "effects.outcome_values", outcome=outcome, unit_ids=unit_ids, treatment=treatment
    ):
        if found is not None:
            return found
    return None


@dataclass(frozen=True)
class PeriodRow:
    period: int
    label: str
    starts_on: date
    treated_mean: float | None
    treated_units: int
    comparison_mean: float | None
    comparison_units: int


@dataclass
class EffectData:
    """Everything an effect page (and `manage.py effect`) shows."""

    outcome: str
    outcome_label: str
    comparison: str
    treated: list[Unit]
    comparison_units: list[Unit]
    out_of_scope: int  # treated units the user may not see
    left_out: int  # units the anonymity engine hid in some period
    periods: list[PeriodRow]
    evidence: Evidence | None  # None when there are no observations at all
    panel: Panel | None
    starts: dict[int, date] = field(default_factory=dict)

    @property
    def treated_rows(self) -> list[tuple[Unit, date]]:
        return [(u, self.starts[u.pk]) for u in self.treated]


def _forvaltning_path(unit: Unit) -> str:
    """The path of the unit's forvaltning (or of the unit itself above that level)."""
    parts = [p for p in unit.path.strip("/").split("/") if p]
    # The municipality is the root; its forvaltninger are one level down.
    return "/" + "/".join(parts[:2]) + "/" if len(parts) >= 2 else unit.path


def comparison_candidates(treated: list[Unit], *, comparison: str, scope: Scope) -> list[Unit]:
    """Units like the treated ones that it did not touch: the same kind, neither
    above nor below a treated unit (their scores would share answers), in the
    user's scope, and for COMPARE_AREA in the same forvaltning."""
    if not treated:
        return []
    kinds = {u.kind for u in treated}
    rows = Unit.objects.filter(scope.unit_q(), is_active=True, kind__in=kinds).order_by("path")
    treated_paths = [u.path for u in treated]
    areas = {_forvaltning_path(u) for u in treated}
    found = []
    for unit in rows:
        if any(unit.path.startswith(p) or p.startswith(unit.path) for p in treated_paths):
            continue
        if comparison == COMPARE_AREA and not any(unit.path.startswith(a) for a in areas):
            continue
        found.append(unit)
    return found


ABOVE_INSTITUTIONS = (UnitKind.MUNICIPALITY, UnitKind.ADMINISTRATION, UnitKind.AREA)


def _down_to_institutions(starts: dict[int, date]) -> dict[int, date]:
    """A decision bound to an area (or a forvaltning) touches every institution in
    it: those are the units compared, each from the earliest start above it."""
    wide = list(Unit.objects.filter(pk__in=starts, kind__in=ABOVE_INSTITUTIONS))
    if not wide:
        return starts
    found = {uid: day for uid, day in starts.items() if uid not in {u.pk for u in wide}}
    for unit in wide:
        below = Unit.objects.filter(
            path__startswith=unit.path, is_active=True, kind=UnitKind.INSTITUTION
        ).values_list("pk", flat=True)
        for uid in below:
            day = starts[unit.pk]
            if uid not in found or day < found[uid]:
                found[uid] = day
    return found


def _first_period(periods: list[tuple[int, str, date]], start: date) -> int:
    """The first period that begins on or after the start (after the last: not yet)."""
    days = [p[2] for p in periods]
    index = bisect.bisect_left(days, start)
    return periods[index][0] if index < len(periods) else periods[-1][0] + 1


def touched_units(found: dict, scope: Scope) -> tuple[dict[int, date], list[Unit], list[Unit]]:
    """Per touched unit its earliest start; the touched units; those the user may see
    (none inside another, which would count the same answers twice)."""
    starts: dict[int, date] = {}
    for unit_id, start, _label in found["units"]:
        if start is not None and (unit_id not in starts or start < starts[unit_id]):
            starts[unit_id] = start
    starts = _down_to_institutions(starts)
    all_treated = list(Unit.objects.filter(pk__in=starts, is_active=True).order_by("path"))
    treated = [u for u in all_treated if scope.contains(u)]
    treated = [
        u for u in treated if not any(o.pk != u.pk and u.path.startswith(o.path) for o in treated)
    ]
    return starts, all_treated, treated


def candidate_choices(found: dict, scope: Scope) -> list[tuple[str, str]]:
    """The units a user may pick for the comparison: untouched units of the same kind."""
    _starts, _all, treated = touched_units(found, scope)
    units = comparison_candidates(treated, comparison=COMPARE_KIND, scope=scope)
    return [(str(u.pk), u.name) for u in units]


def effect_data(
    found: dict,
    *,
    outcome: str,
    comparison: str,
    scope: Scope,
    chosen: list[int] | None = None,
    rules: GradeRules | None = None,
    settings: EffectSettings | None = None,
) -> EffectData:
    labels = dict(outcome_choices())
    starts, all_treated, treated = touched_units(found, scope)
    if comparison == COMPARE_CHOSEN:
        wanted = set(chosen or [])
        others = [
            u
            for u in comparison_candidates(treated, comparison=COMPARE_KIND, scope=scope)
            if u.pk in wanted
        ]
    else:
        others = comparison_candidates(treated, comparison=comparison, scope=scope)
    ids = [u.pk for u in treated] + [u.pk for u in others]
    gathered = outcome_values(outcome, ids, found) if ids else None
    periods = list(gathered["periods"]) if gathered else []
    values = list(gathered["values"]) if gathered else []
    data = EffectData(
        outcome=outcome,
        outcome_label=labels.get(outcome, outcome),
        comparison=comparison,
        treated=treated,
        comparison_units=others,
        out_of_scope=len(all_treated) - len([u for u in all_treated if scope.contains(u)]),
        left_out=int(gathered["left_out"]) if gathered else 0,
        periods=[],
        evidence=None,
        panel=None,
        starts={u.pk: starts[u.pk] for u in treated},
    )
    if not periods or not values:
        return data
    first = {u.pk: _first_period(periods, starts[u.pk]) for u in treated}
    data.periods = _period_rows(periods, values, first)
    try:
        panel = Panel.from_records(
            outcome=outcome,
            observations=values,
            units=[{"unit": u.pk, "group": u.kind, "first_treated": first[u.pk]} for u in treated]
            + [{"unit": u.pk, "group": u.kind, "first_treated": None} for u in others],
            left_out=data.left_out,
        )
    except PanelError:
        return data
    data.panel = panel
    data.evidence = assess_effect(panel, rules=rules, settings=settings)
    return data


def _period_rows(periods, values, first: dict[int, int]) -> list[PeriodRow]:
    """Per period the mean over the treated units and over the comparison units."""
    sides: dict[tuple[int, bool], list[float]] = defaultdict(list)
    for row in values:
        sides[(row["period"], row["unit"] in first)].append(row["value"])
    rows = []
    for period, label, starts_on in periods:
        treated, comparison = sides[(period, True)], sides[(period, False)]
        rows.append(
            PeriodRow(
                period=period,
                label=str(label),
                starts_on=starts_on,
                treated_mean=sum(treated) / len(treated) if treated else None,
                treated_units=len(treated),
                comparison_mean=sum(comparison) / len(comparison) if comparison else None,
                comparison_units=len(comparison),
            )
        )
    return rows


def scope_units(scope: Scope, *, kinds=(UnitKind.ADMINISTRATION, UnitKind.AREA)) -> list[Unit]:
    """Units a group or the inequality watch may be narrowed to."""
    return list(
        Unit.objects.filter(scope.unit_q(), is_active=True, kind__in=kinds).order_by("path")
    )


@dataclass
class WatchData:
    outcome: str
    outcome_label: str
    within: Unit | None
    kind: str
    before_label: str
    after_label: str
    left_out: int
    units: int
    watch: InequalityWatch | None  # None without two periods of figures


def watch_data(
    *,
    outcome: str,
    within: Unit | None,
    kind: str,
    scope: Scope,
    draws: int = 999,
    touched: set[int] | None = None,
) -> WatchData:
    """The inequality watch for one outcome over the units of one kind (in the
    organisation or one forvaltning or area): the first and the last period with
    figures, and whether each unit was touched by a four-F decision or a trial.
    `touched` (from `freed_units`) saves asking the modules again when several
    outcomes are watched over the same units."""
    labels = dict(outcome_choices())
    rows = Unit.objects.filter(scope.unit_q(), is_active=True, kind=kind)
    if within is not None:
        rows = rows.filter(path__startswith=within.path)
    units = list(rows.order_by("path"))
    result = WatchData(outcome, labels.get(outcome, outcome), within, kind, "", "", 0, 0, None)
    gathered = outcome_values(outcome, [u.pk for u in units], None) if units else None
    if not gathered or not gathered["values"]:
        return result
    result.left_out = int(gathered["left_out"])
    seen = sorted({v["period"] for v in gathered["values"]})
    if len(seen) < 2:
        return result
    first, last = seen[0], seen[-1]
    names = {p[0]: str(p[1]) for p in gathered["periods"]}
    result.before_label, result.after_label = names.get(first, ""), names.get(last, "")
    if touched is None:
        touched = freed_units()
    ancestors = Unit.objects.in_bulk({a for u in units for a in u.ancestor_ids})
    by_id = {u.pk: u for u in units}

    def area(unit: Unit) -> str:
        # The nearest ancestor that is an area (or a forvaltning), by name.
        for aid in reversed(unit.ancestor_ids):
            above = ancestors.get(aid)
            if above is not None and above.kind in (UnitKind.AREA, UnitKind.ADMINISTRATION):
                return above.name
        return unit.name

    def values(period: int) -> list[UnitValue]:
        return [
            UnitValue(v["unit"], area(by_id[v["unit"]]), v["value"], v["unit"] in touched)
            for v in gathered["values"]
            if v["period"] == period and v["unit"] in by_id
        ]

    before, after = values(first), values(last)
    result.units = len(after)
    result.watch = inequality_watch(
        measure=outcome, before=before, after=after, draws=draws, min_area_units=2
    )
    return result


def freed_units() -> set[int]:
    """The institutions freed by a four-F decision (remove or change) or a trial,
    whatever the outcome: one list for every watch of a page."""
    touched: set[int] = set()
    for group in [{"decision": d} for d in FREEING_DECISIONS] + [{"trials": True}]:
        found = treatment(group=group) or {"units": []}
        touched |= {uid for uid, start, _label in found["units"] if start is not None}
    return set(_down_to_institutions(dict.fromkeys(touched, date.min)))
