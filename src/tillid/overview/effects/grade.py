"""The evidence grade in words: what the data can and cannot show.

Grades (stable codes; English text for now, Danish through gettext in the
overview later):

- `cannot_tell`: below the minimum design (default fewer than 3 treated or 3
  comparison units, or no period before or after the start), or nothing to
  estimate. Carries no estimate at all.
- `inconclusive`: estimated, but the interval includes zero and also effects
  too large to call small (or the design is too weak to say "no effect").
- `no_effect_found`: the interval includes zero and lies within the margin of
  a small effect, in a design strong enough for clear evidence.
- `indication`: the interval excludes zero, but the design is not strong
  enough for clear evidence (a pre-trend, one period before, few units).
- `clear_evidence`: the interval excludes zero, the pre-trend check passed,
  and the design has enough treated and comparison units and periods before.

The margin of a small effect is `equivalence_margin` in the outcome's units,
or by default `equivalence_sd` (0.2, a small standardised effect after Cohen)
times the standard deviation of the untreated observations.
"""

import dataclasses
import math
from dataclasses import dataclass, field
from enum import StrEnum

from tillid.overview.effects.estimate import (
    EffectEstimate,
    EffectSettings,
    Inference,
    NotEstimable,
    estimate_effect,
    to_json,
)
from tillid.overview.effects.panel import Design, Panel


class Grade(StrEnum):
    CANNOT_TELL = "cannot_tell"
    INCONCLUSIVE = "inconclusive"
    NO_EFFECT_FOUND = "no_effect_found"
    INDICATION = "indication"
    CLEAR_EVIDENCE = "clear_evidence"


GRADE_TEXT = {
    Grade.CANNOT_TELL: "Too little data to say whether there was an effect.",
    Grade.INCONCLUSIVE: "The data cannot tell an effect apart from chance.",
    Grade.NO_EFFECT_FOUND: "No effect found: if there is one, it is small.",
    Grade.INDICATION: "An indication of {direction}, but not clear evidence.",
    Grade.CLEAR_EVIDENCE: "Clear evidence of {direction}.",
}
DIRECTION_TEXT = {"increase": "an increase", "decrease": "a decrease"}


class Why:
    """Stable reason codes; `Reason.params` carries the figures a message needs."""

    TOO_FEW_TREATED = "too_few_treated"
    TOO_FEW_COMPARISON = "too_few_comparison"
    NO_PERIOD_BEFORE = "no_period_before"
    NO_PERIOD_AFTER = "no_period_after"
    NOT_ESTIMABLE = "not_estimable"
    INTERVAL_EXCLUDES_ZERO = "interval_excludes_zero"
    INTERVAL_INCLUDES_ZERO = "interval_includes_zero"
    WITHIN_SMALL_EFFECT = "within_small_effect"
    BEYOND_SMALL_EFFECT = "beyond_small_effect"
    PRE_TREND_PASSED = "pre_trend_passed"
    PRE_TREND_DETECTED = "pre_trend_detected"
    PRE_TREND_UNTESTABLE = "pre_trend_untestable"
    FEW_TREATED_FOR_CLEAR = "few_treated_for_clear"
    FEW_COMPARISON_FOR_CLEAR = "few_comparison_for_clear"
    FEW_PERIODS_BEFORE_FOR_CLEAR = "few_periods_before_for_clear"
    FEW_UNITS_FOR_ANALYTIC = "few_units_for_analytic_interval"


REASON_TEXT = {
    Why.TOO_FEW_TREATED: "Only {treated} treated units; at least {minimum} are needed.",
    Why.TOO_FEW_COMPARISON: "Only {comparison} comparison units; at least {minimum} are needed.",
    Why.NO_PERIOD_BEFORE: "No period before the start to compare with.",
    Why.NO_PERIOD_AFTER: "No period after the start yet.",
    Why.NOT_ESTIMABLE: "The data leave nothing to estimate ({code}).",
    Why.INTERVAL_EXCLUDES_ZERO: "The {level_percent} % interval ({ci_low} to {ci_high}) excludes zero.",
    Why.INTERVAL_INCLUDES_ZERO: "The {level_percent} % interval ({ci_low} to {ci_high}) includes zero.",
    Why.WITHIN_SMALL_EFFECT: "The interval lies within ±{margin}, the margin of a small effect.",
    Why.BEYOND_SMALL_EFFECT: "The interval reaches beyond ±{margin}, the margin of a small effect.",
    Why.PRE_TREND_PASSED: "Before the start, treated and comparison units moved alike (p = {p_value}).",
    Why.PRE_TREND_DETECTED: "Before the start, treated units already moved differently (p = {p_value}).",
    Why.PRE_TREND_UNTESTABLE: (
        "Too few units seen twice before the start ({treated}) to check that the units moved alike."
    ),
    Why.FEW_TREATED_FOR_CLEAR: "Clear evidence needs at least {needed} treated units; there are {treated}.",
    Why.FEW_COMPARISON_FOR_CLEAR: (
        "Clear evidence needs at least {needed} comparison units; there are {comparison}."
    ),
    Why.FEW_PERIODS_BEFORE_FOR_CLEAR: (
        "Clear evidence needs at least {needed} periods before the start; there are {periods}."
    ),
    Why.FEW_UNITS_FOR_ANALYTIC: (
        "Too many units for the bootstrap, so the interval is analytic, which needs at least "
        "{needed} treated and {needed} comparison units to be reliable."
    ),
}


@dataclass(frozen=True)
class GradeRules:
    min_treated: int = 3
    min_comparison: int = 3
    min_periods_before: int = 1
    min_periods_after: int = 1
    clear_min_treated: int = 5
    clear_min_comparison: int = 5
    clear_min_periods_before: int = 2
    pre_trend_alpha: float = 0.10
    equivalence_margin: float | None = None  # in the outcome's units
    equivalence_sd: float = 0.2
    # With the analytic interval (too many units to bootstrap), clear evidence or
    # "no effect" needs this many treated and comparison units.
    analytic_min_each: int = 30

    def __post_init__(self) -> None:
        for name in ("min_treated", "min_comparison", "min_periods_before", "min_periods_after"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        for name in ("treated", "comparison", "periods_before"):
            if getattr(self, f"clear_min_{name}") < getattr(self, f"min_{name}"):
                raise ValueError(f"clear_min_{name} must not be below min_{name}")
        if not 0 < self.pre_trend_alpha < 1:
            raise ValueError("pre_trend_alpha must be in (0, 1)")
        if self.equivalence_margin is not None and not self.equivalence_margin > 0:
            raise ValueError("equivalence_margin must be positive")
        if not self.equivalence_sd > 0:
            raise ValueError("equivalence_sd must be positive")


@dataclass(frozen=True)
class Reason:
    code: str
    params: dict = field(default_factory=dict)

    @property
    def text(self) -> str:
        return REASON_TEXT[self.code].format(**{k: _shown(v) for k, v in self.params.items()})


def _shown(value):
    return f"{value:.3g}" if isinstance(value, float) else value


@dataclass(frozen=True)
class Evidence:
    outcome: str
    grade: Grade
    direction: str | None  # "increase" or "decrease" when the interval excludes zero
    reasons: tuple[Reason, ...]
    design: Design
    estimate: EffectEstimate | None  # always None for cannot_tell
    equivalence_margin: float | None

    @property
    def text(self) -> str:
        return GRADE_TEXT[self.grade].format(direction=DIRECTION_TEXT.get(self.direction, ""))

    def as_dict(self) -> dict:
        return {
            "outcome": self.outcome,
            "grade": str(self.grade),
            "text": self.text,
            "direction": self.direction,
            "reasons": [{"code": r.code, "params": r.params, "text": r.text} for r in self.reasons],
            "design": dataclasses.asdict(self.design),
            "equivalence_margin": self.equivalence_margin,
            "estimate": None if self.estimate is None else self.estimate.as_dict(),
        }

    def as_json(self) -> str:
        return to_json(self.as_dict())


def below_minimum(design: Design, rules: GradeRules) -> list[Reason]:
    """Why the design is too small for any estimate (empty when it is not)."""
    reasons = []
    if design.treated_units < rules.min_treated:
        reasons.append(
            Reason(
                Why.TOO_FEW_TREATED, {"treated": design.treated_units, "minimum": rules.min_treated}
            )
        )
    if design.comparison_units < rules.min_comparison:
        reasons.append(
            Reason(
                Why.TOO_FEW_COMPARISON,
                {"comparison": design.comparison_units, "minimum": rules.min_comparison},
            )
        )
    if design.periods_before < rules.min_periods_before:
        reasons.append(Reason(Why.NO_PERIOD_BEFORE, {"periods": design.periods_before}))
    if design.periods_after < rules.min_periods_after:
        reasons.append(Reason(Why.NO_PERIOD_AFTER, {"periods": design.periods_after}))
    return reasons


def assess_effect(
    panel: Panel, *, rules: GradeRules | None = None, settings: EffectSettings | None = None
) -> Evidence:
    """The one call for an effect page: the grade, its reasons, and the estimate
    when the grade allows one to be shown."""
    rules = rules or GradeRules()
    design = panel.design()
    reasons = below_minimum(design, rules)
    if reasons:
        return _cannot_tell(panel.outcome, design, reasons)
    try:
        estimate = estimate_effect(panel, settings=settings)
    except NotEstimable as error:
        return _cannot_tell(
            panel.outcome, design, [Reason(Why.NOT_ESTIMABLE, {"code": error.code})]
        )
    return grade_estimate(estimate, rules=rules, margin=equivalence_margin(panel, rules))


def equivalence_margin(panel: Panel, rules: GradeRules) -> float | None:
    if rules.equivalence_margin is not None:
        return rules.equivalence_margin
    frame = panel.frame()
    untreated = frame.loc[frame["treated"] == 0, "value"]
    sd = float(untreated.std(ddof=1)) if len(untreated) > 1 else math.nan
    return rules.equivalence_sd * sd if math.isfinite(sd) and sd > 0 else None


def _cannot_tell(outcome: str, design: Design, reasons: list[Reason]) -> Evidence:
    return Evidence(outcome, Grade.CANNOT_TELL, None, tuple(reasons), design, None, None)


def grade_estimate(
    estimate: EffectEstimate, *, rules: GradeRules | None = None, margin: float | None = None
) -> Evidence:
    """Grade an estimate (pure: no fitting). Below the minimum it returns
    `cannot_tell` without the estimate, whatever the estimate says."""
    rules = rules or GradeRules()
    design = estimate.design
    reasons = below_minimum(design, rules)
    if reasons:
        return _cannot_tell(estimate.outcome, design, reasons)

    interval = {
        "ci_low": estimate.ci_low,
        "ci_high": estimate.ci_high,
        "level_percent": round(estimate.level * 100, 1),
    }
    excludes_zero = estimate.ci_low > 0 or estimate.ci_high < 0
    reasons.append(
        Reason(
            Why.INTERVAL_EXCLUDES_ZERO if excludes_zero else Why.INTERVAL_INCLUDES_ZERO, interval
        )
    )

    pre = estimate.pre_trend
    if not pre.tested or (
        pre.treated_units < rules.min_treated or pre.comparison_units < rules.min_comparison
    ):
        pre_ok = False
        reasons.append(Reason(Why.PRE_TREND_UNTESTABLE, {"treated": pre.treated_units}))
    else:
        pre_ok = pre.p_value >= rules.pre_trend_alpha
        reasons.append(
            Reason(
                Why.PRE_TREND_PASSED if pre_ok else Why.PRE_TREND_DETECTED, {"p_value": pre.p_value}
            )
        )

    strong = True
    if design.treated_units < rules.clear_min_treated:
        strong = False
        reasons.append(
            Reason(
                Why.FEW_TREATED_FOR_CLEAR,
                {"treated": design.treated_units, "needed": rules.clear_min_treated},
            )
        )
    if design.comparison_units < rules.clear_min_comparison:
        strong = False
        reasons.append(
            Reason(
                Why.FEW_COMPARISON_FOR_CLEAR,
                {"comparison": design.comparison_units, "needed": rules.clear_min_comparison},
            )
        )
    if design.periods_before < rules.clear_min_periods_before:
        strong = False
        reasons.append(
            Reason(
                Why.FEW_PERIODS_BEFORE_FOR_CLEAR,
                {"periods": design.periods_before, "needed": rules.clear_min_periods_before},
            )
        )
    if estimate.inference == Inference.CLUSTER_T and (
        min(design.treated_units, design.comparison_units) < rules.analytic_min_each
    ):
        strong = False
        reasons.append(Reason(Why.FEW_UNITS_FOR_ANALYTIC, {"needed": rules.analytic_min_each}))

    if excludes_zero:
        grade = Grade.CLEAR_EVIDENCE if pre_ok and strong else Grade.INDICATION
        direction = "increase" if estimate.estimate > 0 else "decrease"
    else:
        direction = None
        within = margin is not None and -margin <= estimate.ci_low and estimate.ci_high <= margin
        if margin is not None:
            reasons.append(
                Reason(
                    Why.WITHIN_SMALL_EFFECT if within else Why.BEYOND_SMALL_EFFECT,
                    {"margin": margin},
                )
            )
        grade = Grade.NO_EFFECT_FOUND if within and pre_ok and strong else Grade.INCONCLUSIVE
    return Evidence(estimate.outcome, grade, direction, tuple(reasons), design, estimate, margin)
