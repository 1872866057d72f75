import json
import warnings

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tillid.overview.effects.estimate import EffectEstimate, Inference, PreTrend
from tillid.overview.effects.grade import (
    REASON_TEXT,
    Grade,
    GradeRules,
    Why,
    assess_effect,
    equivalence_margin,
    grade_estimate,
)
from tillid.overview.effects.panel import Cohort, Design, Observation, Panel, UnitInfo


def _estimate(
    *,
    treated=8,
    comparison=16,
    before=3,
    after=2,
    centre=1.0,
    half=0.5,
    pre_p=0.5,
    pre_treated=8,
    tested=True,
    inference=Inference.WILD_BOOTSTRAP,
) -> EffectEstimate:
    design = Design(
        treated_units=treated,
        comparison_units=comparison,
        periods_before=before,
        periods_after=after,
        cohorts=(Cohort(3, treated),) if treated else (),
        observations=(treated + comparison) * (before + after),
        left_out=0,
        excluded=(),
    )
    pre = PreTrend(
        tested=tested,
        estimate=0.1 if tested else None,
        ci_low=-0.5 if tested else None,
        ci_high=0.7 if tested else None,
        p_value=pre_p if tested else None,
        inference=inference if tested else None,
        treated_units=pre_treated if tested else 0,
        comparison_units=comparison,
    )
    return EffectEstimate(
        outcome="compass.culture",
        estimate=centre,
        ci_low=centre - half,
        ci_high=centre + half,
        p_value=0.01,
        std_error=half / 2,
        level=0.95,
        method="twfe",
        method_name="",
        inference=inference,
        bootstrap_draws=999,
        bootstrap_weights="rademacher",
        seed=1,
        design=design,
        pre_trend=pre,
        event_study=(),
        event_study_cohorts_left_out=0,
        libraries=(),
    )


RULES = GradeRules()


@given(
    treated=st.integers(0, 12),
    comparison=st.integers(0, 12),
    before=st.integers(0, 4),
    after=st.integers(0, 4),
    centre=st.floats(-5, 5),
    half=st.floats(0.001, 5),
    pre_p=st.floats(0, 1),
    tested=st.booleans(),
    analytic=st.booleans(),
    margin=st.one_of(st.none(), st.floats(0.01, 3)),
)
def test_the_grade_never_shows_an_estimate_below_the_minimum(
    treated, comparison, before, after, centre, half, pre_p, tested, analytic, margin
):
    estimate = _estimate(
        treated=treated,
        comparison=comparison,
        before=before,
        after=after,
        centre=centre,
        half=half,
        pre_p=pre_p,
        tested=tested,
        pre_treated=treated,
        inference=Inference.CLUSTER_T if analytic else Inference.WILD_BOOTSTRAP,
    )
    evidence = grade_estimate(estimate, rules=RULES, margin=margin)
    below = treated < 3 or comparison < 3 or before < 1 or after < 1
    assert (evidence.grade == Grade.CANNOT_TELL) == below
    if below:
        assert evidence.estimate is None
        assert json.loads(evidence.as_json())["estimate"] is None
    else:
        assert evidence.estimate is estimate
    assert evidence.reasons
    for reason in evidence.reasons:
        assert reason.code in REASON_TEXT
        assert reason.text  # every message formats with its figures
    excludes = estimate.ci_low > 0 or estimate.ci_high < 0
    if evidence.grade == Grade.CLEAR_EVIDENCE:
        assert excludes
        assert tested
        assert pre_p >= RULES.pre_trend_alpha
        assert treated >= 5
        assert comparison >= 5
        assert before >= 2
        assert not analytic or min(treated, comparison) >= RULES.analytic_min_each
    if evidence.grade == Grade.NO_EFFECT_FOUND:
        assert not excludes
        assert margin is not None
        assert -margin <= estimate.ci_low
        assert estimate.ci_high <= margin
    if evidence.grade in (Grade.CLEAR_EVIDENCE, Grade.INDICATION):
        assert excludes
        assert evidence.direction == ("increase" if centre > 0 else "decrease")
    else:
        assert evidence.direction is None
    if not below and excludes:
        assert evidence.grade in (Grade.CLEAR_EVIDENCE, Grade.INDICATION)


def test_grades_in_words():
    clear = grade_estimate(_estimate(centre=-2.0, half=0.5))
    assert clear.grade == Grade.CLEAR_EVIDENCE
    assert clear.text == "Clear evidence of a decrease."
    assert [r.code for r in clear.reasons] == [Why.INTERVAL_EXCLUDES_ZERO, Why.PRE_TREND_PASSED]
    assert clear.reasons[0].text == "The 95 % interval (-2.5 to -1.5) excludes zero."

    trend = grade_estimate(_estimate(centre=2.0, pre_p=0.02))
    assert trend.grade == Grade.INDICATION
    assert trend.text == "An indication of an increase, but not clear evidence."
    assert Why.PRE_TREND_DETECTED in [r.code for r in trend.reasons]

    none = grade_estimate(_estimate(centre=0.1, half=0.3), margin=0.5)
    assert none.grade == Grade.NO_EFFECT_FOUND
    assert none.reasons[-1].code == Why.WITHIN_SMALL_EFFECT

    wide = grade_estimate(_estimate(centre=0.1, half=3.0), margin=0.5)
    assert wide.grade == Grade.INCONCLUSIVE
    assert wide.reasons[-1].code == Why.BEYOND_SMALL_EFFECT

    # A narrow interval around zero is still not "no effect" without a pre-trend check.
    untested = grade_estimate(_estimate(centre=0.1, half=0.3, tested=False), margin=0.5)
    assert untested.grade == Grade.INCONCLUSIVE
    assert Why.PRE_TREND_UNTESTABLE in [r.code for r in untested.reasons]


def test_thin_designs_stop_at_an_indication():
    for kwargs, why in (
        ({"treated": 4}, Why.FEW_TREATED_FOR_CLEAR),
        ({"comparison": 4}, Why.FEW_COMPARISON_FOR_CLEAR),
        ({"before": 1}, Why.FEW_PERIODS_BEFORE_FOR_CLEAR),
        ({"inference": Inference.CLUSTER_T}, Why.FEW_UNITS_FOR_ANALYTIC),
        ({"pre_treated": 2}, Why.PRE_TREND_UNTESTABLE),
    ):
        evidence = grade_estimate(_estimate(centre=3.0, **kwargs))
        assert evidence.grade == Grade.INDICATION, kwargs
        assert why in [r.code for r in evidence.reasons]
    many = _estimate(centre=3.0, treated=40, comparison=60, inference=Inference.CLUSTER_T)
    assert grade_estimate(many).grade == Grade.CLEAR_EVIDENCE


def test_the_minimum_is_configurable():
    rules = GradeRules(min_treated=5, clear_min_treated=6)
    evidence = grade_estimate(_estimate(treated=4, centre=3.0), rules=rules)
    assert evidence.grade == Grade.CANNOT_TELL
    assert evidence.estimate is None
    assert evidence.reasons[0].params == {"treated": 4, "minimum": 5}
    assert evidence.reasons[0].text == "Only 4 treated units; at least 5 are needed."


@pytest.mark.parametrize(
    "kwargs",
    [
        {"min_treated": 0},
        {"min_periods_before": 0},
        {"clear_min_comparison": 2},
        {"pre_trend_alpha": 1.0},
        {"equivalence_margin": 0.0},
        {"equivalence_sd": -1.0},
    ],
)
def test_rules_refuse_nonsense(kwargs):
    with pytest.raises(ValueError):  # noqa: PT011 - the message names the setting
        GradeRules(**kwargs)


def _panel(values: dict, starts: dict) -> Panel:
    return Panel(
        outcome="redtape.per100",
        observations=[Observation(u, p, v, 12) for (u, p), v in values.items()],
        units=[UnitInfo(u, "a", s) for u, s in starts.items()],
    )


def test_nothing_to_estimate_cannot_tell():
    values = {(u, p): 4.0 for u in range(8) for p in (1, 2, 3, 4)}
    evidence = assess_effect(_panel(values, {u: 3 if u < 4 else None for u in range(8)}))
    assert evidence.grade == Grade.CANNOT_TELL
    assert evidence.estimate is None
    assert evidence.reasons[0].code == Why.NOT_ESTIMABLE
    assert evidence.reasons[0].params == {"code": "no_variation"}


def test_the_margin_is_a_fifth_of_the_untreated_spread_unless_given():
    values = {(u, p): float(u) for u in range(6) for p in (1, 2, 3)}
    panel = _panel(values, {u: 3 if u < 3 else None for u in range(6)})
    # Untreated: units 0-2 in periods 1-2, units 3-5 in periods 1-3.
    untreated = [0, 0, 1, 1, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5]
    mean = sum(untreated) / len(untreated)
    sd = (sum((x - mean) ** 2 for x in untreated) / (len(untreated) - 1)) ** 0.5
    assert equivalence_margin(panel, GradeRules()) == pytest.approx(0.2 * sd)
    assert equivalence_margin(panel, GradeRules(equivalence_margin=1.5)) == 1.5


def test_evidence_json_carries_the_estimate_in_full():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from tillid.overview.tests.simulate import simulate_panel

        evidence = assess_effect(simulate_panel(seed=3, effect=2.0, periods=6, starts=(4,)))
    data = json.loads(evidence.as_json())
    assert data["grade"] == evidence.grade == Grade.CLEAR_EVIDENCE
    assert data["text"] == "Clear evidence of an increase."
    assert data["estimate"]["estimate"] == evidence.estimate.estimate
    assert data["design"]["treated_units"] == 8
    assert [r["code"] for r in data["reasons"]] == [r.code for r in evidence.reasons]
