"""The panel an effect estimate is made from: per unit and period one value.

A *unit* is an organisational unit; a *period* is a survey round's index
(1, 2, 3 …) or a time bucket's index (for red-tape reports per 100
employees); consecutive integers, so that `period - first_treated` is the
number of periods since the start. Each observation is the outcome for one
unit in one period with the number of respondents behind it (people who
answered, or employees for a rate). Each unit has a group (area or kind, for
comparisons) and the period from which it was first treated — a four-F
decision or a trial touching it in force — or None for never.

The values arrive already through the anonymity engine: a unit-period the
engine hides is simply not passed in, and the caller says in `left_out` how
many units it left out, so the page can tell. This module does no
suppression of its own.

Bad input raises `PanelError` with every problem found, each a `Problem`
with a stable code (user-facing wording comes later, through gettext).
"""

import math
import numbers
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

UnitId = int | str


class Code:
    """Stable problem codes (the overview maps them to translated messages)."""

    OUTCOME_MISSING = "outcome_missing"
    NO_OBSERVATIONS = "no_observations"
    FIELD_MISSING = "field_missing"
    UNIT_ID_INVALID = "unit_id_invalid"
    DUPLICATE_UNIT = "duplicate_unit"
    UNKNOWN_UNIT = "unknown_unit"
    DUPLICATE_OBSERVATION = "duplicate_observation"
    PERIOD_NOT_INTEGER = "period_not_integer"
    VALUE_NOT_NUMBER = "value_not_number"
    VALUE_NOT_FINITE = "value_not_finite"
    RESPONDENTS_NOT_INTEGER = "respondents_not_integer"
    RESPONDENTS_NEGATIVE = "respondents_negative"
    GROUP_MISSING = "group_missing"
    FIRST_TREATED_NOT_INTEGER = "first_treated_not_integer"
    LEFT_OUT_INVALID = "left_out_invalid"


class Excluded:
    """Why a listed unit is not used in the estimate (counted in `Design.excluded`)."""

    NO_OBSERVATIONS = "no_observations"
    SINGLE_OBSERVATION = "single_observation"  # a unit fixed effect absorbs it
    TREATED_WITHOUT_BASELINE = "treated_without_baseline"  # no period before its start
    TREATED_WITHOUT_FOLLOWUP = "treated_without_followup"  # no period from its start on


@dataclass(frozen=True, slots=True)
class Problem:
    code: str
    field: str
    unit: UnitId | None = None
    period: int | None = None
    detail: str = ""  # English, for developers


class PanelError(ValueError):
    """The panel cannot be used; `problems` lists every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        shown = "; ".join(
            f"{p.code} ({p.field}"
            + (f", unit {p.unit!r}" if p.unit is not None else "")
            + (f", period {p.period}" if p.period is not None else "")
            + (f": {p.detail}" if p.detail else "")
            + ")"
            for p in problems[:10]
        )
        more = f" and {len(problems) - 10} more" if len(problems) > 10 else ""
        super().__init__(f"invalid panel: {shown}{more}")


@dataclass(frozen=True, slots=True)
class Observation:
    unit: UnitId
    period: int
    value: float
    respondents: int


@dataclass(frozen=True, slots=True)
class UnitInfo:
    unit: UnitId
    group: str
    first_treated: int | None = None  # None: never treated


@dataclass(frozen=True)
class Cohort:
    start: int  # the period from which its units are treated
    units: int


@dataclass(frozen=True)
class Design:
    """What the panel offers an estimate, counted over the units actually used.

    A treated unit counts when it has at least one period before its start
    and one from its start on; a unit whose start lies after the last period
    is not yet treated and counts as a comparison unit. `periods_before` and
    `periods_after` count the distinct periods relative to the start (−1, −2 …
    and 0, 1 …) that the treated units are observed in: the event study's axis.
    """

    treated_units: int
    comparison_units: int
    periods_before: int
    periods_after: int
    cohorts: tuple[Cohort, ...]
    observations: int
    left_out: int
    excluded: tuple[tuple[str, int], ...]  # (Excluded code, units), codes in a fixed order

    @property
    def staggered(self) -> bool:
        return len(self.cohorts) > 1

    @property
    def clusters(self) -> int:
        return self.treated_units + self.comparison_units


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def valid_unit_id(value) -> bool:
    if isinstance(value, str):
        return value.strip() != ""
    return _is_int(value)


@dataclass(frozen=True)
class Panel:
    """A validated panel; constructing one with bad input raises `PanelError`."""

    outcome: str
    observations: tuple[Observation, ...]
    units: tuple[UnitInfo, ...]
    left_out: int = 0
    _frame: pd.DataFrame = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "observations", tuple(self.observations))
        object.__setattr__(self, "units", tuple(self.units))
        problems = _validate(self)
        if problems:
            raise PanelError(problems)
        object.__setattr__(self, "_frame", _usable_frame(self))

    @classmethod
    def from_records(
        cls,
        *,
        outcome: str,
        observations: Iterable[Mapping],
        units: Iterable[Mapping],
        left_out: int = 0,
    ) -> "Panel":
        """From plain mappings (what a contract returns): observations with keys
        unit, period, value, respondents; units with unit, group, first_treated."""
        problems: list[Problem] = []
        obs, infos = [], []
        for row in observations:
            missing = [k for k in ("unit", "period", "value", "respondents") if k not in row]
            for key in missing:
                problems.append(Problem(Code.FIELD_MISSING, key, row.get("unit")))
            if not missing:
                obs.append(
                    Observation(row["unit"], row["period"], row["value"], row["respondents"])
                )
        for row in units:
            missing = [k for k in ("unit", "group") if k not in row]
            for key in missing:
                problems.append(Problem(Code.FIELD_MISSING, key, row.get("unit")))
            if not missing:
                infos.append(UnitInfo(row["unit"], row["group"], row.get("first_treated")))
        if problems:
            raise PanelError(problems)
        return cls(outcome=outcome, observations=obs, units=infos, left_out=left_out)

    def frame(self) -> pd.DataFrame:
        """The observations of the units used, one row each, sorted by unit and period:
        unit (code 0..n-1), unit_id, period, value, respondents, group, start (0 for
        comparison units), treated (0/1 in that period), rel (period - start; NaN for
        comparison units)."""
        return self._frame.copy()

    def design(self) -> Design:
        return _design(self)


def _validate(panel: Panel) -> list[Problem]:
    problems: list[Problem] = []
    if not isinstance(panel.outcome, str) or not panel.outcome.strip():
        problems.append(Problem(Code.OUTCOME_MISSING, "outcome"))
    if not _is_int(panel.left_out) or panel.left_out < 0:
        problems.append(Problem(Code.LEFT_OUT_INVALID, "left_out", detail=repr(panel.left_out)))

    known: set = set()
    for info in panel.units:
        if not valid_unit_id(info.unit):
            problems.append(Problem(Code.UNIT_ID_INVALID, "unit", detail=repr(info.unit)))
            continue
        if info.unit in known:
            problems.append(Problem(Code.DUPLICATE_UNIT, "unit", info.unit))
        known.add(info.unit)
        if not isinstance(info.group, str) or not info.group.strip():
            problems.append(Problem(Code.GROUP_MISSING, "group", info.unit))
        if info.first_treated is not None and not _is_int(info.first_treated):
            problems.append(
                Problem(
                    Code.FIRST_TREATED_NOT_INTEGER,
                    "first_treated",
                    info.unit,
                    detail=repr(info.first_treated),
                )
            )

    if not panel.observations:
        problems.append(Problem(Code.NO_OBSERVATIONS, "observations"))
    seen: set = set()
    for o in panel.observations:
        if not valid_unit_id(o.unit):
            problems.append(Problem(Code.UNIT_ID_INVALID, "unit", detail=repr(o.unit)))
            continue
        if o.unit not in known:
            problems.append(Problem(Code.UNKNOWN_UNIT, "unit", o.unit))
        period = o.period if _is_int(o.period) else None
        if period is None:
            problems.append(
                Problem(Code.PERIOD_NOT_INTEGER, "period", o.unit, detail=repr(o.period))
            )
        elif (o.unit, period) in seen:
            problems.append(Problem(Code.DUPLICATE_OBSERVATION, "period", o.unit, period))
        else:
            seen.add((o.unit, period))
        if not isinstance(o.value, numbers.Real) or isinstance(o.value, bool):
            problems.append(
                Problem(Code.VALUE_NOT_NUMBER, "value", o.unit, period, detail=repr(o.value))
            )
        elif not math.isfinite(o.value):
            problems.append(Problem(Code.VALUE_NOT_FINITE, "value", o.unit, period))
        if not _is_int(o.respondents):
            problems.append(
                Problem(
                    Code.RESPONDENTS_NOT_INTEGER,
                    "respondents",
                    o.unit,
                    period,
                    detail=repr(o.respondents),
                )
            )
        elif o.respondents < 0:
            problems.append(Problem(Code.RESPONDENTS_NEGATIVE, "respondents", o.unit, period))
    return problems


_COLUMNS = ["unit", "unit_id", "period", "value", "respondents", "group", "start", "treated", "rel"]


def _usable_frame(panel: Panel) -> pd.DataFrame:
    obs = pd.DataFrame(
        {
            "unit_id": [o.unit for o in panel.observations],
            "period": np.array([o.period for o in panel.observations], dtype=np.int64),
            "value": np.array([o.value for o in panel.observations], dtype=np.float64),
            "respondents": np.array([o.respondents for o in panel.observations], dtype=np.int64),
        }
    )
    info = pd.DataFrame(
        {
            "unit_id": [u.unit for u in panel.units],
            "group": [u.group for u in panel.units],
            # 0 marks "never"; a start after the last period is "not yet" (also 0).
            "first": [0 if u.first_treated is None else int(u.first_treated) for u in panel.units],
        }
    )
    last = int(obs["period"].max())
    info["start"] = np.where(info["first"] > last, 0, info["first"])
    frame = obs.merge(info[["unit_id", "group", "start"]], on="unit_id", how="left")
    frame["treated"] = ((frame["start"] > 0) & (frame["period"] >= frame["start"])).astype(np.int64)
    per_unit = frame.groupby("unit_id", sort=False).agg(
        n=("period", "size"), post=("treated", "sum"), start=("start", "first")
    )
    pre = per_unit["n"] - per_unit["post"]
    keep = (per_unit["n"] >= 2) & ((per_unit["start"] == 0) | ((pre > 0) & (per_unit["post"] > 0)))
    frame = frame[frame["unit_id"].map(keep)].copy()
    frame["rel"] = np.where(frame["start"] > 0, frame["period"] - frame["start"], np.nan)
    frame = frame.sort_values(["unit_id", "period"], key=_sort_key, kind="stable")
    frame["unit"] = pd.factorize(frame["unit_id"])[0].astype(np.int64)
    return frame.reset_index(drop=True)[_COLUMNS]


def _sort_key(column: pd.Series) -> pd.Series:
    # Unit ids may mix ints and strings; sort them by their text for a stable order.
    return column.astype(str) if column.name == "unit_id" else column


def _design(panel: Panel) -> Design:
    frame = panel._frame
    units = frame.drop_duplicates("unit")
    treated = units[units["start"] > 0]
    cohorts = tuple(
        Cohort(start=int(start), units=int(count))
        for start, count in sorted(Counter(treated["start"].tolist()).items())
    )
    rel = frame["rel"].dropna()
    # Why listed units are not used, in a fixed order.
    n_obs = Counter(o.unit for o in panel.observations)
    first_period: dict = {}
    for o in panel.observations:
        first_period[o.unit] = min(o.period, first_period.get(o.unit, o.period))
    used = set(units["unit_id"].tolist())
    last = max(o.period for o in panel.observations)
    reasons = Counter()
    for info in panel.units:
        if info.unit in used:
            continue
        count = n_obs.get(info.unit, 0)
        start = info.first_treated
        if count == 0:
            reasons[Excluded.NO_OBSERVATIONS] += 1
        elif count == 1:
            reasons[Excluded.SINGLE_OBSERVATION] += 1
        elif start is not None and start <= last:
            if first_period[info.unit] >= start:
                reasons[Excluded.TREATED_WITHOUT_BASELINE] += 1
            else:
                reasons[Excluded.TREATED_WITHOUT_FOLLOWUP] += 1
    order = (
        Excluded.NO_OBSERVATIONS,
        Excluded.SINGLE_OBSERVATION,
        Excluded.TREATED_WITHOUT_BASELINE,
        Excluded.TREATED_WITHOUT_FOLLOWUP,
    )
    return Design(
        treated_units=len(treated),
        comparison_units=int((units["start"] == 0).sum()),
        periods_before=int(rel[rel < 0].nunique()),
        periods_after=int(rel[rel >= 0].nunique()),
        cohorts=cohorts,
        observations=len(frame),
        left_out=panel.left_out,
        excluded=tuple((code, reasons[code]) for code in order if reasons[code]),
    )
