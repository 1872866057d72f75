"""Scoring and reliability against hand-worked values and independent formulas."""

import math
import statistics
from dataclasses import astuple

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tillid.compass import scoring

# --- scores


def test_linear_map_and_reverse_keying():
    assert scoring.item_score(1, low=1, high=5) == 0
    assert scoring.item_score(3, low=1, high=5) == 50
    assert scoring.item_score(5, low=1, high=5) == 100
    assert scoring.item_score(4, low=1, high=5, reverse=True) == 25


def test_respondent_score_needs_half_the_items():
    items = [("a", False), ("b", False), ("c", True), ("d", False)]
    # Two of four answered: exactly half is enough. c is reversed: 2 -> 75.
    assert scoring.respondent_score({"a": 5, "c": 2}, items, low=1, high=5) == pytest.approx(87.5)
    # One of four (the rest don't know / skipped) is not.
    assert scoring.respondent_score({"a": 5, "b": None}, items, low=1, high=5) is None
    # Three items: two needed.
    three = items[:3]
    assert scoring.respondent_score({"a": 3}, three, low=1, high=5) is None
    assert scoring.respondent_score({"a": 3, "b": 4}, three, low=1, high=5) == pytest.approx(62.5)


def test_group_score_by_hand():
    # Scores 50, 75, 100: mean 75, sd 25, se 25/sqrt(3), t(0.975, 2) = 4.302653.
    g = scoring.group_score([50, 75, 100])
    half = 4.302653 * 25 / math.sqrt(3)
    assert g.n == 3
    assert g.mean == pytest.approx(75)
    assert g.low == pytest.approx(75 - half, abs=1e-4)
    assert g.high == pytest.approx(100)  # clipped to the scale
    assert g.favourable == pytest.approx(2 / 3)
    assert g.neutral == pytest.approx(1 / 3)
    assert g.unfavourable == 0


def test_group_score_of_one_has_no_interval():
    g = scoring.group_score([30])
    assert (g.low, g.high, g.unfavourable) == (None, None, 1.0)
    assert scoring.group_score([]) is None


# --- quantiles: textbook values (R: qt, qf) and the identity F(1, d) = t(d)^2


@pytest.mark.parametrize(
    ("df", "expected"),
    [(1, 12.706205), (2, 4.302653), (5, 2.570582), (10, 2.228139), (30, 2.042272), (100, 1.983972)],
)
def test_t_quantile_matches_tables(df, expected):
    assert scoring.t_quantile(0.975, df) == pytest.approx(expected, abs=1e-5)
    assert scoring.t_quantile(0.025, df) == pytest.approx(-expected, abs=1e-5)


@pytest.mark.parametrize(
    ("p", "df1", "df2", "expected"),
    [(0.95, 5, 10, 3.325835), (0.95, 2, 10, 4.102821), (0.95, 10, 5, 4.735063)],
)
def test_f_quantile_matches_tables(p, df1, df2, expected):
    assert scoring.f_quantile(p, df1, df2) == pytest.approx(expected, abs=1e-5)


def test_f_lower_quantile_is_reciprocal_of_swapped_upper():
    assert scoring.f_quantile(0.05, 5, 10) == pytest.approx(1 / 4.735063, abs=1e-6)


@pytest.mark.parametrize("df", [3, 7, 25, 120])
def test_f_with_one_numerator_df_is_t_squared(df):
    assert scoring.f_quantile(0.95, 1, df) == pytest.approx(
        scoring.t_quantile(0.975, df) ** 2, rel=1e-8
    )


# --- reliability


def _alpha_complete_cases(rows):
    """Independent: alpha from the variance formula on complete rows."""
    p = len(rows[0])
    item_vars = [statistics.variance([r[i] for r in rows]) for i in range(p)]
    total_var = statistics.variance([sum(r) for r in rows])
    return p / (p - 1) * (1 - sum(item_vars) / total_var)


def test_alpha_two_items_by_hand():
    # var 1 each, covariance 0.5: alpha = 2c / (v + c) = 2/3.
    rows = [[1, 1], [2, 3], [3, 2]]
    cov, _ = scoring.pairwise_covariance(rows)
    assert cov[0][1] == pytest.approx(0.5)
    assert scoring.alpha_from_covariance(cov) == pytest.approx(2 / 3)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(st.integers(min_value=1, max_value=5), min_size=4, max_size=4),
        min_size=5,
        max_size=30,
    )
)
def test_alpha_agrees_with_variance_formula_on_complete_data(rows):
    cov, _ = scoring.pairwise_covariance(rows)
    # Exact (statistics works in fractions on integers): is alpha defined at all?
    columns_vary = all(statistics.variance([r[i] for r in rows]) > 0 for i in range(4))
    if not columns_vary or statistics.variance([sum(r) for r in rows]) == 0:
        assert not columns_vary or math.isnan(scoring.alpha_from_covariance(cov))
        return
    assert scoring.alpha_from_covariance(cov) == pytest.approx(
        _alpha_complete_cases(rows), abs=1e-9
    )


def test_alpha_is_undefined_when_every_respondent_has_the_same_total():
    # Found by hypothesis: the items vary, their sum does not (13 for everyone);
    # in floating point the total variance is a rounding residue, not zero.
    rows = [[1, 2, 5, 5], [1, 2, 5, 5], [1, 2, 5, 5], [1, 3, 4, 5], [2, 2, 5, 4]]
    cov, _ = scoring.pairwise_covariance(rows)
    assert math.isnan(scoring.alpha_from_covariance(cov))
    assert scoring.reliability(["a", "b", "c", "d"], rows) is None


def test_pairwise_covariance_uses_each_pair_separately():
    rows = [[1, 2, None], [2, None, 3], [3, 4, 5], [4, 5, 4], [None, 1, 2]]
    cov, counts = scoring.pairwise_covariance(rows)
    assert counts == [4, 4, 4]
    # Items 0 and 1 are both present on rows 0, 2, 3.
    assert cov[0][1] == pytest.approx(statistics.covariance([1, 3, 4], [2, 4, 5]))
    # Items 1 and 2: rows 2, 3, 4.
    assert cov[1][2] == pytest.approx(statistics.covariance([4, 5, 1], [5, 4, 2]))
    assert cov[2][2] == pytest.approx(statistics.variance([3, 5, 4, 2]))


def test_feldt_interval_by_formula():
    low, high = scoring.feldt_interval(0.8, 100, 5)
    df1, df2 = 99, 99 * 4
    assert low == pytest.approx(1 - 0.2 * scoring.f_quantile(0.975, df1, df2))
    assert high == pytest.approx(1 - 0.2 * scoring.f_quantile(0.025, df1, df2))
    assert low < 0.8 < high


def test_item_rest_correlation_matches_direct_computation():
    rows = [[1, 2, 2], [2, 2, 3], [3, 4, 3], [4, 4, 5], [5, 3, 4], [2, 1, 1]]
    cov, _ = scoring.pairwise_covariance(rows)
    r = scoring.item_rest_correlations(cov)
    for i in range(3):
        rest = [sum(row) - row[i] for row in rows]
        assert r[i] == pytest.approx(statistics.correlation([row[i] for row in rows], rest))


def test_omega_on_an_exact_one_factor_matrix():
    lam = [0.8, 0.7, 0.6, 0.5]
    corr = [[1.0 if i == j else lam[i] * lam[j] for j in range(4)] for i in range(4)]
    omega, loadings = scoring.omega_total(corr)
    assert loadings == pytest.approx(lam, abs=1e-6)
    # (sum λ)^2 / ((sum λ)^2 + sum(1 - λ^2)) = 6.76 / 9.02
    assert omega == pytest.approx(6.76 / 9.02, abs=1e-6)


def test_reliability_summary_of_a_dimension():
    rows = [
        [100, 75, 75],
        [50, 50, 25],
        [75, 75, 50],
        [25, 0, 25],
        [100, 100, 75],
        [50, None, 50],
        [0, 25, None],
    ]
    rel = scoring.reliability(["a", "b", "c"], rows)
    assert rel.n == 7
    assert 0.85 < rel.alpha < 1
    assert rel.alpha_low < rel.alpha < rel.alpha_high
    assert set(rel.item_rest) == {"a", "b", "c"}
    assert 0 < rel.omega_total <= 1
    assert scoring.reliability(["a"], rows) is None


def test_difference_interval_contains_the_difference():
    diff, low, high = scoring.difference_interval([60, 70, 80, 75], [50, 55, 60, 45])
    assert diff == pytest.approx(71.25 - 52.5)
    assert low < diff < high


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(min_value=0, max_value=100), min_size=2, max_size=40),
    st.lists(st.floats(min_value=0, max_value=100), min_size=2, max_size=40),
)
def test_running_sums_agree_with_lists(a, b):
    acc_a, acc_b = scoring.Accumulator(), scoring.Accumulator()
    for x in a:
        acc_a.add(x)
    for x in b:
        acc_b.add(x)
    direct = scoring.group_score(a)
    summed = acc_a.result()
    assert summed.mean == pytest.approx(direct.mean, abs=1e-6)
    assert summed.favourable == pytest.approx(direct.favourable)
    assert summed.unfavourable == pytest.approx(direct.unfavourable)
    if direct.low is not None and statistics.stdev(a) > 1e-3:
        assert summed.low == pytest.approx(direct.low, abs=1e-4)
        d1 = scoring.difference_interval(a, b)
        d2 = scoring.difference_from_sums(acc_a, acc_b)
        if statistics.stdev(b) > 1e-3:
            assert d2 == pytest.approx(d1, abs=1e-4)


# --- a whole round at once (numpy) against the one-respondent reference

ITEMS = [("a", False), ("b", True), ("c", False), ("d", False), ("e", True)]
DIMENSIONS = [("a", "b", "c"), ("c", "d"), ("e",), ("a", "b", "c", "d", "e")]


@st.composite
def answer_sheets(draw):
    low = draw(st.integers(min_value=-2, max_value=1))
    high = low + draw(st.integers(min_value=1, max_value=10))
    value = st.one_of(st.none(), st.integers(min_value=low, max_value=high))
    sheets = draw(
        st.lists(
            st.fixed_dictionaries({code: value for code, _ in ITEMS}).map(
                lambda d: {k: v for k, v in d.items() if v is not None}
            ),
            max_size=30,
        )
    )
    return low, high, sheets


@settings(max_examples=60, deadline=None)
@given(answer_sheets(), st.data())
def test_round_scores_and_sums_agree_with_the_reference(drawn, data):
    from tillid.compass.instruments import Spec, answer_matrix, pack_answers, unpack_answers

    low, high, sheets = drawn
    spec = Spec(
        instrument_id=0,
        low=low,
        high=high,
        items=tuple(ITEMS),
        dimensions=tuple((f"d{i}", "compass", members) for i, members in enumerate(DIMENSIONS)),
    )
    values = answer_matrix(spec, sheets)
    # Packing is lossless: the packed sheets give the same matrix.
    packed = unpack_answers(spec, [pack_answers(spec, s) for s in sheets])
    assert packed.shape == values.shape
    assert ((packed == values) | (np.isnan(packed) & np.isnan(values))).all()

    scores = scoring.respondent_scores(values, ITEMS, DIMENSIONS, low=low, high=high)
    reverse = dict(ITEMS)
    for r, sheet in enumerate(sheets):
        for d, members in enumerate(DIMENSIONS):
            expected = scoring.respondent_score(
                sheet, [(m, reverse[m]) for m in members], low=low, high=high
            )
            if expected is None:
                assert np.isnan(scores[r, d])
            else:
                assert scores[r, d] == pytest.approx(expected)

    groups = np.array([data.draw(st.integers(0, 2)) for _ in sheets], dtype=np.intp)
    sums = scoring.group_sums(scores, groups, 3)
    for g in range(3):
        for d in range(len(DIMENSIONS)):
            acc = scoring.Accumulator()
            for r in range(len(sheets)):
                if groups[r] == g and not np.isnan(scores[r, d]):
                    acc.add(float(scores[r, d]))
            got = scoring.Accumulator.from_sums(sums[g, d].tolist())
            assert astuple(got) == pytest.approx(astuple(acc))
