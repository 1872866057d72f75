"""The shapes modules hand to the overview through contracts (tillid.core.contracts).

The overview of frisættelse (DESIGN.md module 6, seed 002: focused management
information, dialogue-based follow-up, learning about effects) imports no
module. Each module offers, in its AppConfig's `provides`:

- "overview.indicators":  (*, scope: Scope, period: Period) -> list[Indicator]
- "overview.followups":   (*, scope: Scope | None, owner_id: int | None, today: date)
                          -> list[FollowUp]
- "overview.decisions":   (*, scope: Scope, period: Period) -> list[PublishedDecision]

Every figure about people in an Indicator has passed the anonymity engine
(tillid.core.anonymity) before it is handed over; the overview adds nothing
up across modules that could undo that.
"""

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Track(StrEnum):
    """The five tracks of frisættelse (seed 002)."""

    COUNCIL = "council"
    ADMINISTRATION = "administration"
    LOCAL_LEADERSHIP = "local_leadership"
    CITIZENS = "citizens"
    EMPLOYEES = "employees"

    @property
    def label(self) -> str:
        return str(TRACK_LABELS[self])


TRACK_LABELS = {
    # In context: Django's admin translates a bare "Administration" itself.
    Track.COUNCIL: pgettext_lazy("track", "Council"),
    Track.ADMINISTRATION: pgettext_lazy("track", "Administration"),
    Track.LOCAL_LEADERSHIP: pgettext_lazy("track", "Local leadership"),
    Track.CITIZENS: pgettext_lazy("track", "Citizens"),
    Track.EMPLOYEES: pgettext_lazy("track", "Employees"),
}


class Status(StrEnum):
    ON_TRACK = "on_track"
    WATCH = "watch"
    BEHIND = "behind"
    NO_DATA = "no_data"

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])


STATUS_LABELS = {
    Status.ON_TRACK: _("On track"),
    Status.WATCH: _("Watch"),
    Status.BEHIND: _("Behind"),
    Status.NO_DATA: _("No data yet"),
}


class Measure(StrEnum):
    """How a value reads: the overview formats it (Danish numbers, units)."""

    COUNT = "count"
    SHARE = "share"  # 0..1, shown as a percentage
    HOURS = "hours"  # per year
    DKK = "dkk"  # per year
    DAYS = "days"
    SCORE = "score"  # 0..100


@dataclass(frozen=True)
class Scope:
    """Where the overview looks: a unit's subtree, or the whole organisation."""

    unit_id: int | None = None
    path: str = ""  # the unit's materialised path ("/1/5/"), "" for everything

    @property
    def everything(self) -> bool:
        return self.unit_id is None


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class TrendPoint:
    label: str  # "2025", "forår 2026", a round's name
    value: float | None  # None: hidden or no data in that period
    low: float | None = None  # an interval, where the figure has one
    high: float | None = None
    on: date | None = None


@dataclass
class Indicator:
    track: Track
    code: str  # stable, e.g. "governance.council_decided"
    label: str
    value: float | None  # None: no figure (no data, or hidden by the anonymity rules)
    measure: Measure
    status: Status
    # Why the status is what it is, in words (never colour alone).
    explanation: str
    url: str = ""  # the page behind the figure
    # Parts of the value, e.g. decisions per four-F decision: (label, value) pairs.
    parts: list[tuple[str, float | None]] = field(default_factory=list)
    trend: list[TrendPoint] = field(default_factory=list)
    # The same indicator for the whole organisation, when the scope is narrower.
    organisation_value: float | None = None
    note: str = ""  # e.g. "3 units left out: fewer than 5 answered"


@dataclass
class FollowUp:
    """Something raised in Tillid that is owed an answer: the follow-up loop."""

    kind: str  # e.g. "red_tape", "dialogue_action", "decision", "trial"
    kind_label: str
    title: str
    url: str
    due_on: date | None
    owner_id: int | None  # the user who owes the answer, if known
    owner_name: str = ""
    unit_id: int | None = None
    done: bool = False
    done_on: date | None = None

    def is_late(self, today: date) -> bool:
        return not self.done and self.due_on is not None and self.due_on < today


@dataclass
class PublishedDecision:
    """A line of the published list of decisions (welfare-agreement style)."""

    decided_on: date
    kind: str  # "four_f" (a review's decision) or "exemption" (granted by a trial)
    kind_label: str
    title: str
    layer: str
    decision: str  # e.g. "Fjerne", or the trial's effect on the item
    rationale: str
    hours_freed: float | None
    dkk_freed: float | None
    url: str = ""
    unit_names: list[str] = field(default_factory=list)
    # The decision's number in its module (a four-F decision: its review), for
    # the effect pages; None where the module gives none.
    decision_id: int | None = None
