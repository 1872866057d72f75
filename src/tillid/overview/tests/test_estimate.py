"""The estimate is pyfixest's: compared here with direct library calls on the same data."""

import json
import warnings

import numpy as np
import pandas as pd
import pyfixest as pf
import pytest

from tillid.overview.effects import estimate as effects
from tillid.overview.effects.estimate import (
    EffectSettings,
    Inference,
    Method,
    NotEstimable,
    estimate_effect,
)
from tillid.overview.effects.panel import Observation, Panel, UnitInfo
from tillid.overview.tests.simulate import simulate_panel

TIGHT = pf.MapDemeaner(fixef_tol=1e-10)


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def test_simultaneous_start_is_twfe_and_equals_pyfixest():
    panel = simulate_panel(seed=11, effect=1.5, missing=0.15)
    result = estimate_effect(panel)
    frame = panel.frame()
    direct = pf.feols(
        "value ~ treated | unit + period", data=frame, vcov={"CRV1": "unit"}, demeaner=TIGHT
    )
    assert result.method == Method.TWFE
    assert result.estimate == pytest.approx(direct.coef()["treated"], abs=1e-9)
    assert not result.design.staggered


def test_staggered_start_equals_did2s_on_a_balanced_panel():
    # Two periods before every start: pyfixest's did2s drops a unit seen only once
    # untreated from its first stage (a singleton fixed effect) and then fails.
    panel = simulate_panel(seed=12, effect=1.0, starts=(3, 4, 5), periods=6, treated=9)
    result = estimate_effect(panel)
    frame = panel.frame()
    did2s = pf.did2s(
        frame,
        yname="value",
        first_stage="~ 0 | unit + period",
        second_stage="~ treated",
        treatment="treated",
        cluster="unit",
    )
    assert result.method == Method.ETWFE
    # did2s demeans its first stage with pyfixest's default tolerance (1e-6).
    assert result.estimate == pytest.approx(did2s.coef()["treated"], abs=1e-7)


def test_staggered_start_equals_the_average_of_pyfixest_cell_effects_when_unbalanced():
    panel = simulate_panel(seed=13, effect=1.0, starts=(2, 4), periods=5, missing=0.2)
    result = estimate_effect(panel)
    frame = panel.frame()
    cells = frame[frame["treated"] == 1].groupby(["start", "period"]).size()
    data = frame.copy()
    names = []
    for i, (start, period) in enumerate(cells.index):
        data[f"d{i}"] = ((data["start"] == start) & (data["period"] == period)).astype(float)
        names.append(f"d{i}")
    direct = pf.feols(f"value ~ {' + '.join(names)} | unit + period", data=data, demeaner=TIGHT)
    average = float(direct.coef()[names].to_numpy() @ (cells.to_numpy() / cells.sum()))
    assert result.estimate == pytest.approx(average, abs=1e-9)


@pytest.mark.parametrize(
    ("treated", "comparison", "weights"), [(5, 11, "rademacher"), (4, 7, "webb")]
)
def test_bootstrap_p_value_is_pyfixests_on_the_full_regression(treated, comparison, weights):
    panel = simulate_panel(
        seed=14, treated=treated, comparison=comparison, effect=0.8, starts=(3, 4), missing=0.1
    )
    settings = EffectSettings(seed=7, bootstrap_draws=499)
    result = estimate_effect(panel, settings=settings)
    frame = panel.frame()
    layout = effects._layout(frame, panel.design().cohorts)
    full = effects.fit_main(frame, layout)
    direct = full.wildboottest(
        param="treated", reps=499, seed=7, weights_type=weights, impose_null=True
    )
    assert result.inference == Inference.WILD_BOOTSTRAP
    assert result.bootstrap_weights == weights
    assert result.p_value == float(direct["Pr(>|t|)"])


def test_compiling_the_bootstrap_once_changes_no_number():
    import numba
    from wildboottest import wildboottest as module

    panel = simulate_panel(seed=15, effect=0.5)
    frame = panel.frame()
    layout = effects._layout(frame, panel.design().cohorts)
    fit = effects.reduced_fit(frame, layout)
    shimmed = fit.wildboottest(param="treated", reps=299, seed=3, return_bootstrapped_t_stats=True)
    assert module.njit.tillid_compile_once
    original, module.njit = module.njit, numba.njit
    try:
        fresh = fit.wildboottest(
            param="treated", reps=299, seed=3, return_bootstrapped_t_stats=True
        )
    finally:
        module.njit = original
    assert np.array_equal(shimmed[1], fresh[1])
    assert shimmed[0]["Pr(>|t|)"] == fresh[0]["Pr(>|t|)"]


def test_interval_excludes_zero_exactly_when_the_p_value_is_small():
    for seed, effect in ((21, 0.0), (22, 0.7), (23, 1.5), (24, 0.3)):
        result = estimate_effect(simulate_panel(seed=seed, effect=effect))
        excludes = result.ci_low > 0 or result.ci_high < 0
        assert excludes == (result.p_value <= 1 - result.level), (seed, result)
        assert result.ci_low < result.estimate < result.ci_high


def test_above_the_bootstrap_limit_the_interval_is_pyfixests_cluster_t():
    panel = simulate_panel(seed=16, effect=1.0, treated=6, comparison=10)
    result = estimate_effect(panel, settings=EffectSettings(max_bootstrap_clusters=10))
    direct = pf.feols(
        "value ~ treated | unit + period",
        data=panel.frame(),
        vcov={"CRV1": "unit"},
        demeaner=TIGHT,
    )
    low, high = direct.confint(alpha=0.05).loc["treated"]
    assert result.inference == Inference.CLUSTER_T
    assert result.bootstrap_draws == 0
    assert (result.ci_low, result.ci_high) == pytest.approx((low, high), abs=1e-9)
    assert result.p_value == pytest.approx(direct.pvalue()["treated"], abs=1e-12)


def test_same_data_give_the_same_numbers_and_json_keeps_full_precision():
    panel = simulate_panel(seed=17, effect=1.0, starts=(2, 3), periods=5)
    first, second = estimate_effect(panel), estimate_effect(panel)
    assert first.as_json() == second.as_json()
    data = json.loads(first.as_json())
    assert data["estimate"] == first.estimate  # bit for bit
    assert data["ci_low"] == first.ci_low
    assert [row["estimate"] for row in data["event_study"]] == [
        row.estimate for row in first.event_study
    ]
    assert data["design"]["treated_units"] == 8
    assert dict(first.libraries)["pyfixest"] == "0.60.0"
    other = estimate_effect(panel, settings=EffectSettings(seed=99))
    assert other.estimate == first.estimate
    assert other.p_value != first.p_value or other.ci_low != first.ci_low


def test_event_study_of_one_start_equals_pyfixests_event_study():
    panel = simulate_panel(seed=18, effect=1.0, periods=6, starts=(4,), missing=0.1)
    result = estimate_effect(panel)
    frame = panel.frame()
    frame["rel_or_ref"] = frame["rel"].fillna(-1).astype(int)  # never treated: the reference
    direct = pf.feols(
        "value ~ i(rel_or_ref, ref=-1) | unit + period",
        data=frame,
        vcov={"CRV1": "unit"},
        demeaner=TIGHT,
    )
    coefficients = {int(name.split("::")[1]): v for name, v in direct.coef().items()}
    errors = {int(name.split("::")[1]): v for name, v in direct.se().items()}
    rows = {row.relative_period: row for row in result.event_study}
    assert sorted(rows) == [-3, -2, -1, 0, 1, 2]
    assert rows[-1].reference
    assert (rows[-1].estimate, rows[-1].ci_low, rows[-1].ci_high) == (0.0, 0.0, 0.0)
    for rel, value in coefficients.items():
        assert rows[rel].estimate == pytest.approx(value, abs=1e-9)
        assert rows[rel].std_error == pytest.approx(errors[rel], abs=1e-9)


@pytest.mark.parametrize("starts", [(4,), (3, 4, 5)])
def test_pre_trend_is_the_same_estimate_one_period_early_on_the_data_before_the_start(starts):
    panel = simulate_panel(seed=25, effect=1.0, periods=6, starts=starts, pre_trend=0.5)
    result = estimate_effect(panel)
    frame = panel.frame()
    before = frame[(frame["start"] == 0) | (frame["rel"] < 0)]
    placebo = Panel(
        outcome="placebo",
        observations=[
            Observation(r.unit_id, r.period, r.value, r.respondents) for r in before.itertuples()
        ],
        units=[
            UnitInfo(r.unit_id, r.group, int(r.start) - 1 if r.start else None)
            for r in before.drop_duplicates("unit_id").itertuples()
        ],
    )
    # One pooled coefficient (TWFE) whatever the starts, with the same bootstrap.
    direct = pf.feols(
        "value ~ treated | unit + period",
        data=placebo.frame(),
        vcov={"CRV1": "unit"},
        demeaner=TIGHT,
    )
    boot = direct.wildboottest(param="treated", reps=999, seed=2026, weights_type="rademacher")
    assert result.pre_trend.tested
    assert result.pre_trend.estimate == pytest.approx(direct.coef()["treated"], abs=1e-9)
    assert result.pre_trend.p_value == float(boot["Pr(>|t|)"])
    assert result.pre_trend.treated_units == placebo.design().treated_units == 8
    assert result.pre_trend.comparison_units == 16
    if starts == (4,):
        # Balanced, one start: the last period before it against the two earlier ones.
        wide = frame.pivot(index="unit", columns="period", values="value")
        change = wide[3] - (wide[1] + wide[2]) / 2
        treated = frame.groupby("unit")["start"].first() > 0
        by_hand = change[treated].mean() - change[~treated].mean()
        assert result.pre_trend.estimate == pytest.approx(by_hand, abs=1e-9)


def test_staggered_event_study_weights_cohorts_by_their_units():
    panel = simulate_panel(seed=19, effect=2.0, starts=(3, 4), periods=5, treated=8, noise=0.01)
    result = estimate_effect(panel)
    rows = {row.relative_period: row for row in result.event_study}
    # Both cohorts are observed at −2 … 1; only the earlier one at 2, only the later at −3.
    assert rows[2].treated_units == 4
    assert rows[-3].treated_units == 4
    assert rows[0].treated_units == 8
    for rel in (0, 1, 2):
        assert rows[rel].estimate == pytest.approx(2.0, abs=0.05)
    for rel in (-3, -2):
        assert rows[rel].estimate == pytest.approx(0.0, abs=0.05)
    assert result.estimate == pytest.approx(2.0, abs=0.05)


def test_one_period_before_leaves_the_pre_trend_untested():
    result = estimate_effect(simulate_panel(seed=20, effect=1.0, starts=(2,), periods=4))
    assert not result.pre_trend.tested
    assert result.pre_trend.p_value is None
    assert result.pre_trend.treated_units == 0
    assert result.design.periods_before == 1


def _tiny(values: dict, starts: dict) -> Panel:
    return Panel(
        outcome="x",
        observations=[Observation(u, p, v, 9) for (u, p), v in values.items()],
        units=[UnitInfo(u, "a", s) for u, s in starts.items()],
    )


def test_nothing_to_compare_is_not_estimable():
    values = {(u, p): float(u + p) for u in range(4) for p in (1, 2, 3)}
    with pytest.raises(NotEstimable) as caught:
        estimate_effect(_tiny(values, dict.fromkeys(range(4), 2)))
    assert caught.value.code == NotEstimable.NO_COMPARISON
    with pytest.raises(NotEstimable) as caught:
        estimate_effect(_tiny(values, dict.fromkeys(range(4))))
    assert caught.value.code == NotEstimable.NO_TREATED
    flat = dict.fromkeys(values, 3.0)
    with pytest.raises(NotEstimable) as caught:
        estimate_effect(_tiny(flat, {0: 2, 1: 2, 2: None, 3: None}))
    assert caught.value.code == NotEstimable.NO_VARIATION


def test_frame_is_a_copy():
    panel = simulate_panel(seed=1)
    frame = panel.frame()
    frame["value"] = 0.0
    assert isinstance(panel.frame(), pd.DataFrame)
    assert panel.frame()["value"].nunique() > 1
