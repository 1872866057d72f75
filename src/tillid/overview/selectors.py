"""Reads for the overview: what every installed module offers through contracts."""

import datetime as dt
from dataclasses import dataclass

from tillid.core import contracts
from tillid.core.indicators import Indicator, Period, Scope, Track
from tillid.core.periods import add_months


def default_period(*, today: dt.date) -> Period:
    """The last two years up to today: long enough for a trend over several rounds."""
    return Period(start=add_months(today, -24) + dt.timedelta(days=1), end=today)


@dataclass
class TrackIndicators:
    track: Track
    indicators: list[Indicator]


def indicators_by_track(*, scope: Scope, period: Period) -> list[TrackIndicators]:
    """Every module's indicators for the scope and period, grouped by the five tracks
    in the order of seed 002."""
    found: dict[Track, list[Indicator]] = {track: [] for track in Track}
    for _label, indicators in contracts.collect("overview.indicators", scope=scope, period=period):
        for indicator in indicators:
            found[indicator.track].append(indicator)
    return [TrackIndicators(track=track, indicators=found[track]) for track in Track]
