"""Quarters and months for the trends modules hand to the overview; half-years for the
effect outcomes."""

import datetime as dt

from django.utils import translation

from tillid.core.indicators import Period
from tillid.core.periods import (
    add_months,
    half_year_bounds,
    half_year_of,
    half_years_between,
    last_ended_half_year,
    median,
    numbered_half_years,
    quarter_end,
    quarters,
    share,
)


def test_a_period_is_cut_into_its_quarters():
    with translation.override("da"):
        found = quarters(Period(dt.date(2025, 2, 10), dt.date(2025, 11, 3)))
    assert [label for label, _p in found] == [
        "1. kvt. 2025",
        "2. kvt. 2025",
        "3. kvt. 2025",
        "4. kvt. 2025",
    ]
    assert found[0][1] == Period(dt.date(2025, 2, 10), dt.date(2025, 3, 31))
    assert found[1][1] == Period(dt.date(2025, 4, 1), dt.date(2025, 6, 30))
    assert found[-1][1] == Period(dt.date(2025, 10, 1), dt.date(2025, 11, 3))
    with translation.override("en"):
        assert quarters(Period(dt.date(2026, 12, 1), dt.date(2027, 1, 1)))[1][0] == "Q1 2027"


def test_quarter_ends():
    assert quarter_end(dt.date(2025, 11, 5)) == dt.date(2025, 12, 31)
    assert quarter_end(dt.date(2024, 2, 29)) == dt.date(2024, 3, 31)


def test_months_later_keep_the_day_where_the_month_has_it():
    assert add_months(dt.date(2026, 5, 31), 6) == dt.date(2026, 11, 30)
    assert add_months(dt.date(2025, 8, 31), 6) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2026, 1, 15), 12) == dt.date(2027, 1, 15)


def test_median_and_share():
    assert median([]) is None
    assert median([40, 5, 12, 20]) == 16
    assert share(1, 0) is None
    assert share(3, 4) == 0.75


def test_half_years_cut_the_year_at_july():
    assert half_year_of(dt.date(2026, 6, 30)) == (2026, 0)
    assert half_year_of(dt.date(2026, 7, 1)) == (2026, 1)
    assert half_year_bounds((2024, 0)) == (dt.date(2024, 1, 1), dt.date(2024, 6, 30))
    assert half_year_bounds((2024, 1)) == (dt.date(2024, 7, 1), dt.date(2024, 12, 31))


def test_half_years_between_cross_the_new_year_and_may_be_none():
    assert half_years_between((2025, 1), (2026, 1)) == [(2025, 1), (2026, 0), (2026, 1)]
    assert half_years_between((2026, 0), (2026, 0)) == [(2026, 0)]
    assert half_years_between((2026, 1), (2026, 0)) == []


def test_the_last_ended_half_year_is_never_the_current_one():
    assert last_ended_half_year(dt.date(2026, 12, 31)) == (2026, 0)
    assert last_ended_half_year(dt.date(2026, 7, 1)) == (2026, 0)
    assert last_ended_half_year(dt.date(2026, 6, 30)) == (2025, 1)
    assert last_ended_half_year(dt.date(2026, 1, 1)) == (2025, 1)


def test_numbered_half_years_are_named_in_danish_and_english():
    with translation.override("da"):
        found = numbered_half_years((2025, 1), (2026, 0))
    assert found == [
        (1, "2. halvår 2025", dt.date(2025, 7, 1), dt.date(2025, 12, 31)),
        (2, "1. halvår 2026", dt.date(2026, 1, 1), dt.date(2026, 6, 30)),
    ]
    with translation.override("en"):
        assert numbered_half_years((2026, 0), (2026, 0))[0][1] == "1. half-year 2026"
