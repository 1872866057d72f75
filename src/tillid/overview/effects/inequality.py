"""The inequality watch: is frisættelse uneven between units and areas?

The flexibility–equality paradox (seed 002, Bentzen): freeing some units can
leave others behind. For one measure per unit (freed hours, trials, trust-
dosing steps in aggregate, a trust score) in one area each, this module gives

- the spread: standard deviation, quartiles and interquartile range, the
  means of the top and bottom fifth of units and the gap between them (and,
  for measures that cannot be negative, the top fifth's total over the
  bottom fifth's, S80/S20), and the share of the variance that lies between
  area means;
- the change of the fifth gap between two periods, with a paired bootstrap
  interval over the units observed in both (`scipy.stats.bootstrap`);
- flags: the fifth gap widening beyond its interval; units that took part
  (freed by a decision, running a trial) pulling away from the rest (the
  change in their difference of means beyond its Welch interval, in the
  direction of the difference); whole areas where no unit took part.

The values come through the anonymity engine already (a unit whose figure
is hidden is not passed in).
"""

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from tillid.overview.effects.estimate import to_json
from tillid.overview.effects.panel import Code, PanelError, Problem, UnitId, valid_unit_id


@dataclass(frozen=True, slots=True)
class UnitValue:
    unit: UnitId
    area: str
    value: float
    took_part: bool = False  # freed by a four-F decision or running a trial


@dataclass(frozen=True)
class Spread:
    units: int
    mean: float
    sd: float  # sample standard deviation (NaN for one unit)
    median: float
    q1: float
    q3: float
    iqr: float
    fifth_size: int  # units in each fifth: n // 5 (0 below five units)
    top_fifth_mean: float | None
    bottom_fifth_mean: float | None
    fifth_gap: float | None  # top fifth's mean minus bottom fifth's
    fifth_share_ratio: float | None  # S80/S20, for measures that cannot be negative
    between_area_share: float | None  # between-area sum of squares over the total


@dataclass(frozen=True)
class GapChange:
    paired_units: int
    fifth_gap_before: float | None  # over the paired units
    fifth_gap_after: float | None
    change: float | None
    ci_low: float | None
    ci_high: float | None
    widening: bool  # the interval lies above zero


@dataclass(frozen=True)
class PullingAway:
    took_part: int  # paired units that took part
    others: int
    gap_before: float  # mean of those who took part minus the others'
    gap_after: float
    change: float
    ci_low: float
    ci_high: float
    flag: bool  # the change excludes zero and goes the way of the gap after


@dataclass(frozen=True)
class AreaWithoutPart:
    area: str
    units: int


class Flag:
    FIFTH_GAP_WIDENING = "fifth_gap_widening"
    PULLING_AWAY = "pulling_away"
    AREAS_WITHOUT_PART = "areas_without_part"


@dataclass(frozen=True)
class InequalityWatch:
    measure: str
    level: float
    before: Spread
    after: Spread
    by_area: tuple[tuple[str, Spread], ...]  # in the later period, areas sorted by name
    gap_change: GapChange
    pulling_away: PullingAway | None  # None without two units on each side
    areas_without_part: tuple[AreaWithoutPart, ...]
    flags: tuple[str, ...]

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)

    def as_json(self) -> str:
        return to_json(self.as_dict())


def _frame(values: Sequence[UnitValue]) -> pd.DataFrame:
    problems, seen = [], set()
    for v in values:
        if not valid_unit_id(v.unit):
            problems.append(Problem(Code.UNIT_ID_INVALID, "unit", detail=repr(v.unit)))
            continue
        if v.unit in seen:
            problems.append(Problem(Code.DUPLICATE_UNIT, "unit", v.unit))
        seen.add(v.unit)
        if not isinstance(v.area, str) or not v.area.strip():
            problems.append(Problem(Code.GROUP_MISSING, "area", v.unit))
        if isinstance(v.value, bool) or not isinstance(v.value, int | float | np.number):
            problems.append(Problem(Code.VALUE_NOT_NUMBER, "value", v.unit, detail=repr(v.value)))
        elif not math.isfinite(v.value):
            problems.append(Problem(Code.VALUE_NOT_FINITE, "value", v.unit))
    if problems:
        raise PanelError(problems)
    return pd.DataFrame(
        {
            "unit": [v.unit for v in values],
            "area": [v.area for v in values],
            "value": np.array([v.value for v in values], dtype=np.float64),
            "took_part": np.array([bool(v.took_part) for v in values]),
        }
    )


def _fifth_means(sorted_values: np.ndarray, axis: int = -1) -> tuple[np.ndarray, np.ndarray]:
    n = sorted_values.shape[axis]
    k = n // 5
    bottom = np.take(sorted_values, range(k), axis=axis).mean(axis=axis)
    top = np.take(sorted_values, range(n - k, n), axis=axis).mean(axis=axis)
    return top, bottom


def spread(values: Sequence[UnitValue]) -> Spread:
    """The spread of one measure over units (any number of them, at least one)."""
    frame = _frame(values)
    if frame.empty:
        raise PanelError([Problem(Code.NO_OBSERVATIONS, "values")])
    return _spread(frame)


def _spread(frame: pd.DataFrame) -> Spread:
    x = np.sort(frame["value"].to_numpy())
    n = len(x)
    q1, median, q3 = np.quantile(x, [0.25, 0.5, 0.75])
    k = n // 5
    top = bottom = gap = ratio = None
    if k:
        top_, bottom_ = _fifth_means(x)
        top, bottom, gap = float(top_), float(bottom_), float(top_ - bottom_)
        low_total = float(x[:k].sum())
        if x[0] >= 0 and low_total > 0:
            ratio = float(x[n - k :].sum()) / low_total
    total = float(((x - x.mean()) ** 2).sum())
    between = None
    if frame["area"].nunique() > 1 and total > 0:
        means = frame.groupby("area")["value"].agg(["mean", "size"])
        between = float((means["size"] * (means["mean"] - x.mean()) ** 2).sum()) / total
    return Spread(
        units=n,
        mean=float(x.mean()),
        sd=float(x.std(ddof=1)) if n > 1 else math.nan,
        median=float(median),
        q1=float(q1),
        q3=float(q3),
        iqr=float(q3 - q1),
        fifth_size=k,
        top_fifth_mean=top,
        bottom_fifth_mean=bottom,
        fifth_gap=gap,
        fifth_share_ratio=ratio,
        between_area_share=between,
    )


def _gap_statistic(before: np.ndarray, after: np.ndarray, axis: int = -1) -> np.ndarray:
    top_a, bottom_a = _fifth_means(np.sort(after, axis=axis), axis=axis)
    top_b, bottom_b = _fifth_means(np.sort(before, axis=axis), axis=axis)
    return (top_a - bottom_a) - (top_b - bottom_b)


def _gap_change(paired: pd.DataFrame, level: float, draws: int, seed: int) -> GapChange:
    n = len(paired)
    if n < 5:
        return GapChange(n, None, None, None, None, None, False)
    before = paired["value_before"].to_numpy()
    after = paired["value_after"].to_numpy()
    top_b, bottom_b = _fifth_means(np.sort(before))
    top_a, bottom_a = _fifth_means(np.sort(after))
    change = float(_gap_statistic(before, after))
    result = stats.bootstrap(
        (before, after),
        _gap_statistic,
        paired=True,
        vectorized=True,
        n_resamples=draws,
        confidence_level=level,
        method="percentile",
        rng=np.random.default_rng(seed),
    )
    low, high = float(result.confidence_interval.low), float(result.confidence_interval.high)
    return GapChange(
        paired_units=n,
        fifth_gap_before=float(top_b - bottom_b),
        fifth_gap_after=float(top_a - bottom_a),
        change=change,
        ci_low=low,
        ci_high=high,
        widening=bool(low > 0),
    )


def _pulling_away(paired: pd.DataFrame, level: float) -> PullingAway | None:
    part = paired[paired["took_part_after"]]
    rest = paired[~paired["took_part_after"]]
    if len(part) < 2 or len(rest) < 2:
        return None
    gap_before = float(part["value_before"].mean() - rest["value_before"].mean())
    gap_after = float(part["value_after"].mean() - rest["value_after"].mean())
    moved_part = part["value_after"] - part["value_before"]
    moved_rest = rest["value_after"] - rest["value_before"]
    test = stats.ttest_ind(moved_part, moved_rest, equal_var=False)
    interval = test.confidence_interval(confidence_level=level)
    low, high = float(interval.low), float(interval.high)
    change = gap_after - gap_before
    if not (math.isfinite(low) and math.isfinite(high)):
        # No spread in the changes on either side: the change is exact.
        low = high = change
    excludes = low > 0 or high < 0
    return PullingAway(
        took_part=len(part),
        others=len(rest),
        gap_before=gap_before,
        gap_after=gap_after,
        change=change,
        ci_low=low,
        ci_high=high,
        flag=bool(
            excludes and gap_after != 0 and math.copysign(1, change) == math.copysign(1, gap_after)
        ),
    )


def areas_without_part(
    values: Sequence[UnitValue], *, min_units: int = 1
) -> tuple[AreaWithoutPart, ...]:
    """Areas with at least `min_units` units of which none took part."""
    frame = _frame(values)
    areas = frame.groupby("area").agg(units=("unit", "size"), part=("took_part", "any"))
    idle = areas[~areas["part"] & (areas["units"] >= min_units)]
    return tuple(AreaWithoutPart(str(a), int(row.units)) for a, row in idle.iterrows())


def inequality_watch(
    *,
    measure: str,
    before: Sequence[UnitValue],
    after: Sequence[UnitValue],
    level: float = 0.95,
    draws: int = 999,
    seed: int = 2026,
    min_area_units: int = 1,
) -> InequalityWatch:
    """The watch for one measure between two periods (`before`, `after`: one
    value per unit each; a unit may be missing from either)."""
    first, second = _frame(before), _frame(after)
    if first.empty or second.empty:
        raise PanelError([Problem(Code.NO_OBSERVATIONS, "values")])
    paired = first.merge(second, on="unit", suffixes=("_before", "_after"))
    gap = _gap_change(paired, level, draws, seed)
    away = _pulling_away(paired, level)
    idle = areas_without_part(after, min_units=min_area_units)
    by_area = tuple(
        (str(area), _spread(group)) for area, group in second.groupby("area", sort=True)
    )
    flags = []
    if gap.widening:
        flags.append(Flag.FIFTH_GAP_WIDENING)
    if away is not None and away.flag:
        flags.append(Flag.PULLING_AWAY)
    if idle:
        flags.append(Flag.AREAS_WITHOUT_PART)
    return InequalityWatch(
        measure=measure,
        level=level,
        before=_spread(first),
        after=_spread(second),
        by_area=by_area,
        gap_change=gap,
        pulling_away=away,
        areas_without_part=idle,
        flags=tuple(flags),
    )
