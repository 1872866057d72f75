"""The one burden function, pure: no database, no settings lookups inside.

Standard Cost Model: the time a piece of governance takes is the sum over
its activities of minutes per occurrence × occurrences per person per year,
times the people it binds. An item without activities uses its own minutes
and frequency. Hours and DKK are always derived here, never stored.

Figures are estimates, so the arithmetic is in floating point (fast enough
to recompute 20,000 items on every request); pages round them for display.
"""

from collections.abc import Iterable
from typing import NamedTuple


class Burden(NamedTuple):
    # A named tuple: cheap to make 20,000 times per request.
    minutes_per_person: float  # per person per year
    people: float
    hours: float  # per year
    dkk: float  # per year

    @property
    def hours_rounded(self) -> int:
        return round(self.hours)

    @property
    def dkk_rounded(self) -> int:
        return round(self.dkk)


EMPTY = Burden(0.0, 0.0, 0.0, 0.0)


def minutes_per_person(activities: Iterable[tuple], own_minutes=0, own_occurrences=0) -> float:
    """Σ minutes × occurrences of the activities, or the item's own pair if there are none."""
    total = 0.0
    seen = False
    for minutes, occurrences in activities:
        seen = True
        total += float(minutes) * float(occurrences)
    if not seen:
        total = float(own_minutes) * float(own_occurrences)
    return total


def burden(
    *,
    activities: Iterable[tuple] = (),
    own_minutes=0,
    own_occurrences=0,
    people,
    hourly_cost,
) -> Burden:
    """Hours and DKK per year of one item (or of its share for a unit).

    `activities` are (minutes per occurrence, occurrences per person per year)
    pairs of the current activities; `people` is how many it binds (may be a
    fraction when an override is spread over units); `hourly_cost` in DKK.
    """
    return from_minutes(
        minutes_per_person(activities, own_minutes, own_occurrences), people, hourly_cost
    )


def from_minutes(mpp: float, people, hourly_cost) -> Burden:
    """Burden of `people` each spending `mpp` minutes a year (the second half of `burden`)."""
    hours = hours_per_year(mpp, people)
    return Burden(mpp, float(people), hours, hours * float(hourly_cost))


def hours_per_year(mpp: float, people) -> float:
    """Hours a year of `people` each spending `mpp` minutes (no objects: for sorting many)."""
    return mpp * float(people) / 60.0
