"""Reliability under missing answers against an independent implementation.

The reference here is written separately from `scoring`: pandas' pairwise
`cov()`/`corr()` (R's `use="pairwise"`), scipy's F quantiles, and a
one-factor minres solved by scipy (Levenberg–Marquardt on the off-diagonal
residuals, then a root of the stationarity equations). psych::alpha and
psych::omega compute the same quantities from the same matrices; R is not
available here, so no psych output is copied in: agreement with this
independent route, to 1e-9, is the check.
"""

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize, stats

from tillid.compass import scoring

TOLERANCE = 1e-9


# --- the independent reference ---------------------------------------------------


def _gradient(corr: np.ndarray, lam: np.ndarray) -> np.ndarray:
    residual = corr - np.outer(lam, lam)
    np.fill_diagonal(residual, 0.0)
    return -4.0 * residual @ lam


def _hessian(corr: np.ndarray, lam: np.ndarray) -> np.ndarray:
    h = -4.0 * corr + 8.0 * np.outer(lam, lam)
    np.fill_diagonal(h, 4.0 * ((lam * lam).sum() - lam * lam))
    return h


def reference_minres(corr: np.ndarray) -> np.ndarray:
    """One-factor minres (unweighted least squares off the diagonal) with scipy."""
    p = corr.shape[0]
    upper = np.triu_indices(p, 1)

    def residuals(lam):
        return (corr - np.outer(lam, lam))[upper]

    values, vectors = np.linalg.eigh(corr)
    start = np.abs(vectors[:, -1]) * math.sqrt(max(values[-1], 1e-6))
    fit = optimize.least_squares(residuals, start, method="lm", xtol=1e-15, ftol=1e-15)
    # Polish: a trust-region Newton method on the loss itself, to a zero gradient.
    polish = optimize.minimize(
        lambda lam: float((residuals(lam) ** 2).sum()) * 2.0,
        fit.x,
        jac=lambda lam: _gradient(corr, lam),
        hess=lambda lam: _hessian(corr, lam),
        method="trust-exact",
        options={"gtol": 1e-14},
    )
    # Then a root of the gradient (near the optimum the loss's own values
    # differ by less than their rounding; the gradient still tells).
    root = optimize.root(
        lambda lam: _gradient(corr, lam),
        polish.x,
        jac=lambda lam: _hessian(corr, lam),
        method="hybr",
        options={"xtol": 1e-15},
    )
    candidates = [fit.x, polish.x, root.x]
    lam = min(candidates, key=lambda lam: np.abs(_gradient(corr, lam)).max())
    return -lam if lam.sum() < 0 else lam


def reference(frame: pd.DataFrame) -> dict:
    """alpha, Feldt 95 % interval, item–rest r (psych::alpha) and omega total
    (psych::omega, one factor) of a data frame with NaN for missing answers."""
    cov = frame.cov().to_numpy()  # pairwise-complete, as R's use="pairwise"
    corr = frame.corr().to_numpy()  # each pair over the respondents who answered both
    p = cov.shape[0]
    alpha = (1 - np.trace(cov) / cov.sum()) * p / (p - 1)
    n = len(frame)  # psych::alpha passes nrow(x) to alpha.ci
    df1, df2 = n - 1, (n - 1) * (p - 1)
    low = 1 - (1 - alpha) * stats.f.ppf(0.975, df1, df2)
    high = 1 - (1 - alpha) * stats.f.ppf(0.025, df1, df2)
    item_rest = []
    for i in range(p):
        rest = [j for j in range(p) if j != i]
        item_rest.append(
            (cov[i, rest].sum()) / math.sqrt(cov[i, i] * cov[np.ix_(rest, rest)].sum())
        )
    lam = reference_minres(corr)
    key = np.where(lam < 0, -1.0, 1.0)  # psych's flip=TRUE
    omega = 1 - (1 - lam**2).sum() / (np.outer(key, key) * corr).sum()
    return {
        "alpha": alpha,
        "alpha_ci95": [low, high],
        "item_rest": item_rest,
        "omega_total": omega,
        "loadings": lam.tolist(),
        "corr": corr,
        "cov": cov,
    }


# --- data with missing answers ----------------------------------------------------


def one_factor_answers(
    seed: int, n: int, loadings, missing: float, *, low: int = 1, high: int = 5
) -> np.ndarray:
    """Answers on a low..high scale from a one-factor model, NaN where missing,
    mapped onto 0–100 like the compass's item scores."""
    rng = np.random.default_rng(seed)
    lam = np.asarray(loadings, dtype=float)
    factor = rng.normal(size=n)
    latent = np.outer(factor, lam) + rng.normal(size=(n, lam.size)) * np.sqrt(1 - lam**2)
    answers = np.clip(np.round(3 + 1.2 * latent), low, high)
    answers[rng.random(answers.shape) < missing] = np.nan
    return 100 * (answers - low) / (high - low)


def as_rows(values: np.ndarray) -> list[list[float | None]]:
    return [[None if math.isnan(v) else float(v) for v in row] for row in values]


# A fixed data set: 400 respondents, six items, about 15 % of answers missing.
FIXED = one_factor_answers(20240609, 400, [0.8, 0.7, 0.65, 0.6, 0.5, 0.35], 0.15)
CODES = ["i1", "i2", "i3", "i4", "i5", "i6"]


def assert_matches_reference(rel: scoring.Reliability, ref: dict) -> None:
    assert rel.alpha == pytest.approx(ref["alpha"], abs=TOLERANCE)
    assert rel.alpha_low == pytest.approx(ref["alpha_ci95"][0], abs=TOLERANCE)
    assert rel.alpha_high == pytest.approx(ref["alpha_ci95"][1], abs=TOLERANCE)
    assert list(rel.item_rest.values()) == pytest.approx(ref["item_rest"], abs=TOLERANCE)
    assert rel.omega_total == pytest.approx(ref["omega_total"], abs=TOLERANCE)
    # Loadings are less well determined than omega where the optimum is flat
    # (small correlations, few respondents): there they agree to 1e-7.
    assert list(rel.loadings.values()) == pytest.approx(ref["loadings"], abs=1e-7)


def test_fixed_data_set_with_missing_answers_matches_the_reference():
    assert 0.1 < np.isnan(FIXED).mean() < 0.2
    rows = as_rows(FIXED)
    frame = pd.DataFrame(FIXED, columns=CODES)
    ref = reference(frame)
    cov, counts = scoring.pairwise_covariance(rows)
    assert np.array(cov) == pytest.approx(ref["cov"], abs=1e-10)
    assert counts == frame.notna().sum().tolist()
    assert np.array(scoring.pairwise_correlation(rows)) == pytest.approx(ref["corr"], abs=1e-12)
    rel = scoring.reliability(CODES, rows)
    assert rel.n == 400
    assert_matches_reference(rel, ref)


def test_omega_is_not_taken_from_cov2cor_under_missing_answers():
    """The earlier route (the pairwise covariance scaled by each item's own
    variance) differs from the pairwise Pearson matrix here, by more than the
    tolerance: the test above would catch a return to it."""
    rows = as_rows(FIXED)
    cov = np.array(scoring.pairwise_covariance(rows)[0])
    sd = np.sqrt(np.diag(cov))
    cov2cor = cov / np.outer(sd, sd)
    pearson = np.array(scoring.pairwise_correlation(rows))
    assert np.abs(cov2cor - pearson).max() > 1e-4
    old, _ = scoring.omega_total(cov2cor.tolist())
    new, _ = scoring.omega_total(pearson.tolist())
    assert abs(old - new) > 1e-6
    assert new == pytest.approx(reference(pd.DataFrame(FIXED))["omega_total"], abs=TOLERANCE)


def test_complete_answers_give_the_same_matrix_both_ways():
    complete = one_factor_answers(7, 120, [0.7, 0.6, 0.5, 0.4], 0.0)
    rows = as_rows(complete)
    cov = np.array(scoring.pairwise_covariance(rows)[0])
    sd = np.sqrt(np.diag(cov))
    assert np.array(scoring.pairwise_correlation(rows)) == pytest.approx(
        cov / np.outer(sd, sd), abs=1e-14
    )


def test_an_item_that_loads_negatively_is_turned_as_psych_does():
    values = one_factor_answers(11, 300, [0.8, 0.7, 0.6, 0.5], 0.1)
    values[:, 3] = 100 - values[:, 3]  # an item keyed the other way, not reversed
    rel = scoring.reliability(["a", "b", "c", "d"], as_rows(values))
    assert rel.loadings["d"] < 0
    ref = reference(pd.DataFrame(values))
    assert rel.omega_total == pytest.approx(ref["omega_total"], abs=TOLERANCE)
    # Turning the item beforehand gives the same omega (psych's flip), not a lower one.
    values[:, 3] = 100 - values[:, 3]
    turned = scoring.reliability(["a", "b", "c", "d"], as_rows(values))
    assert turned.omega_total == pytest.approx(rel.omega_total, abs=TOLERANCE)


def test_omega_is_none_when_a_pair_has_no_correlation():
    # Items a and c are never answered by the same two people who vary on both.
    rows = [[1, 2, None], [2, 3, None], [3, 3, None], [4, 5, 1], [5, 4, 1], [2, None, 3]]
    rel = scoring.reliability(["a", "b", "c"], rows)
    assert rel is not None
    assert rel.omega_total is None
    assert rel.loadings is None
    assert json.loads(json.dumps(rel.as_dict()))["omega_total"] is None


# --- properties with missing answers ----------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    n=st.integers(min_value=30, max_value=250),
    loadings=st.lists(st.floats(min_value=0.3, max_value=0.9), min_size=3, max_size=8),
    missing=st.floats(min_value=0.0, max_value=0.35),
)
def test_reliability_matches_the_reference_with_missing_answers(seed, n, loadings, missing):
    values = one_factor_answers(seed, n, loadings, missing)
    frame = pd.DataFrame(values)
    codes = [f"q{i}" for i in range(len(loadings))]
    rel = scoring.reliability(codes, as_rows(values))
    corr = frame.corr().to_numpy()
    if rel is None or rel.omega_total is None or np.isnan(corr).any():
        return
    ref = reference(frame)
    if np.abs(ref["loadings"]).max() >= 1:  # Heywood case: see the module docstring
        return
    assert_matches_reference(rel, ref)


answer = st.one_of(st.none(), st.integers(min_value=1, max_value=5))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(answer, min_size=4, max_size=4), min_size=0, max_size=25))
def test_pairwise_matrices_equal_pandas_on_any_answers(rows):
    frame = pd.DataFrame(rows, columns=list("abcd"), dtype=float)
    cov, counts = scoring.pairwise_covariance(rows)
    corr = scoring.pairwise_correlation(rows)
    if not rows:
        assert cov == []
        assert corr == []
        return
    expected_cov = frame.cov().to_numpy()
    expected_corr = frame.corr().to_numpy()
    assert counts == frame.notna().sum().tolist()
    # Undefined in the same places (fewer than two pairs, or no variance), equal elsewhere.
    assert np.array_equal(np.isnan(cov), np.isnan(expected_cov))
    assert np.nan_to_num(cov) == pytest.approx(np.nan_to_num(expected_cov), abs=1e-12)
    assert np.array_equal(np.isnan(corr), np.isnan(expected_corr))
    assert np.nan_to_num(corr) == pytest.approx(np.nan_to_num(expected_corr), abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    missing=st.floats(min_value=0.0, max_value=0.3),
    order=st.permutations(range(5)),
)
def test_reliability_does_not_depend_on_the_order_of_items(seed, missing, order):
    values = one_factor_answers(seed, 80, [0.8, 0.7, 0.6, 0.5, 0.4], missing)
    codes = ["a", "b", "c", "d", "e"]
    rel = scoring.reliability(codes, as_rows(values))
    moved = scoring.reliability([codes[i] for i in order], as_rows(values[:, list(order)]))
    if rel is None:
        assert moved is None
        return
    assert moved.alpha == pytest.approx(rel.alpha, abs=1e-12)
    if rel.omega_total is not None:
        assert moved.omega_total == pytest.approx(rel.omega_total, abs=1e-9)
        assert {k: moved.loadings[k] for k in codes} == pytest.approx(rel.loadings, abs=1e-9)


def test_as_dict_carries_full_precision():
    rel = scoring.reliability(CODES, as_rows(FIXED))
    data = json.loads(json.dumps(rel.as_dict()))
    # Python writes floats as the shortest text that reads back as the same double.
    assert data["alpha"] == rel.alpha
    assert data["alpha_ci95"] == [rel.alpha_low, rel.alpha_high]
    assert data["omega_total"] == rel.omega_total
    assert data["item_rest"] == rel.item_rest
    assert data["loadings"] == rel.loadings
    assert round(rel.omega_total, 4) != rel.omega_total  # there is something to lose
