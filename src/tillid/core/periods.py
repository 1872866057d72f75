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
