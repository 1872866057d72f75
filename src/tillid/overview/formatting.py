"""How the overview reads an indicator: Danish numbers with their unit, and a
track's status in words (never colour alone)."""

from collections import Counter
from collections.abc import Iterable

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tillid.core.indicators import Indicator, Measure, Status

# Worst first: a track is as far behind as its furthest indicator with a figure.
STATUS_ORDER = [Status.BEHIND, Status.WATCH, Status.ON_TRACK, Status.NO_DATA]


def number(value: float, decimals: int = 0) -> str:
    """A number in the active language's format: "1.234,5" in Danish."""
    return number_format(round(value, decimals), decimals, use_l10n=True, force_grouping=True)


def format_value(value: float | None, measure: Measure) -> str:
    """The value with its unit, e.g. "45 %", "1.234 timer om året", "12,5 dage"."""
    if value is None:
        return _("No figure")
    if measure == Measure.SHARE:
        return _("%(value)s %%") % {"value": number(value * 100)}
    if measure == Measure.HOURS:
        return _("%(value)s hours a year") % {"value": number(value)}
    if measure == Measure.DKK:
        return _("DKK %(value)s a year") % {"value": number(value)}
    if measure == Measure.DAYS:
        shown = number(value, 0 if float(value).is_integer() else 1)
        return ngettext("%(value)s day", "%(value)s days", 1 if value == 1 else 2) % {
            "value": shown
        }
    if measure == Measure.SCORE:
        return _("%(value)s of 100") % {"value": number(value)}
    return number(value)


def track_status(indicators: Iterable[Indicator]) -> Status:
    """The worst status among the indicators that have data; no data if none has."""
    found = {indicator.status for indicator in indicators}
    for status in STATUS_ORDER:
        if status in found:
            return status
    return Status.NO_DATA


def status_summary(indicators: Iterable[Indicator]) -> str:
    """How many indicators stand where, in words: "2 on track, 1 to watch, 1 behind"."""
    counts = Counter(indicator.status for indicator in indicators)
    parts = []
    if counts[Status.ON_TRACK]:
        n = counts[Status.ON_TRACK]
        parts.append(ngettext("%(n)s on track", "%(n)s on track", n) % {"n": n})
    if counts[Status.WATCH]:
        n = counts[Status.WATCH]
        parts.append(ngettext("%(n)s to watch", "%(n)s to watch", n) % {"n": n})
    if counts[Status.BEHIND]:
        n = counts[Status.BEHIND]
        parts.append(ngettext("%(n)s behind", "%(n)s behind", n) % {"n": n})
    if counts[Status.NO_DATA]:
        n = counts[Status.NO_DATA]
        parts.append(ngettext("%(n)s without data", "%(n)s without data", n) % {"n": n})
    return ", ".join(parts) if parts else _("No indicators")
