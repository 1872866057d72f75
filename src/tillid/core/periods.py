"""Calendar helpers for the indicators modules hand to the overview (tillid.core.indicators).

Trends are given per quarter (or per survey round); these helpers cut a
period into its quarters and name them, so every module's trend points line
up under the same labels.
"""

import calendar
import datetime as dt
import statistics
from collections.abc import Iterable

from django.utils.translation import gettext as _

from tillid.core.indicators import Period


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def quarter_end(day: dt.date) -> dt.date:
    start = quarter_start(day)
    following = dt.date(start.year + (start.month == 10), (start.month + 2) % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def quarter_label(day: dt.date) -> str:
    """ "1. kvt. 2026" in Danish, "Q1 2026" in English."""
    return _("Q%(quarter)s %(year)s") % {"quarter": (day.month - 1) // 3 + 1, "year": day.year}


def quarters(period: Period) -> list[tuple[str, Period]]:
    """The quarters the period touches, each cut to the period: (label, part of the period)."""
    found = []
    start = quarter_start(period.start)
    while start <= period.end:
        end = quarter_end(start)
        found.append((quarter_label(start), Period(max(start, period.start), min(end, period.end))))
        start = end + dt.timedelta(days=1)
    return found


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (the month's last day where that month is shorter)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def median(values: Iterable[float]) -> float | None:
    found = list(values)
    return float(statistics.median(found)) if found else None


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# Half-years: the period of the effect outcomes the modules offer
# (effects.outcome_values), the same cut and names in every module.
HalfYear = tuple[int, int]
"""(year, 0 for January–June or 1 for July–December)."""


def half_year_of(day: dt.date) -> HalfYear:
    return day.year, 0 if day.month <= 6 else 1


def half_year_bounds(half: HalfYear) -> tuple[dt.date, dt.date]:
    """The first and the last day of the half-year."""
    year, second = half
    if second:
        return dt.date(year, 7, 1), dt.date(year, 12, 31)
    return dt.date(year, 1, 1), dt.date(year, 6, 30)


def half_year_label(half: HalfYear) -> str:
    """ "1. halvår 2026" for the first half, "2. halvår 2026" for the second."""
    return _("%(half)s. half-year %(year)s") % {"half": half[1] + 1, "year": half[0]}


def half_years_between(first: HalfYear, last: HalfYear) -> list[HalfYear]:
    """Every half-year from `first` to `last`, both included (none when first is later)."""
    found = []
    year, second = first
    while (year, second) <= last:
        found.append((year, second))
        year, second = (year, 1) if second == 0 else (year + 1, 0)
    return found


def last_ended_half_year(today: dt.date) -> HalfYear:
    """The latest half-year that has ended by `today` (the current one can still change)."""
    year, second = half_year_of(today)
    return (year, 0) if second else (year - 1, 1)


def numbered_half_years(first: HalfYear, last: HalfYear) -> list[tuple[int, str, dt.date, dt.date]]:
    """The half-years from `first` to `last` as (period, label, first day, last day),
    periods numbered from 1, as effects.outcome_values hands them over."""
    return [
        (number, half_year_label(half), *half_year_bounds(half))
        for number, half in enumerate(half_years_between(first, last), start=1)
    ]
