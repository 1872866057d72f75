"""What delegation offers the overview's effect pages (contracts "effects.outcomes" and
"effects.outcome_values"): the trust-dosing steps, in aggregate, per unit and half-year.

`delegation:dosing_steps` is, per unit subtree and half-year, the mean step of
the subjects (people and teams) dosed during that half-year: each subject's
step is, as in `selectors.aggregate_steps`, the lowest of its tasks' latest
chosen steps, here among the dosings made in the half-year; the subject
belongs to the unit of its latest such dosing (`Dosing.unit`, the person's
unit when the record was made). `respondents` is the number of subjects.

Why the dosings *made* in a half-year and not those *in force* at its end: a
dosing stays in force for many half-years, so two half-years of a stock
figure share almost all their people, and an observer subtracting them
(5 people in force in the first, the same 5 and one newly dosed in the
second) reads the newcomer's step. Counted by when the dosing was made, each
record is in exactly one half-year, so the half-years describe disjoint
records and within a half-year the anonymity engine decides, over the whole
tree (organisation.selectors.disclose_per_unit on the subjects per unit),
which subtrees may show a figure. A hidden subtree shows neither mean nor
count and is counted in `left_out` (an empty subtree looks the same as a
hidden one, as the engine requires). Anonymised records have lost their
subject, so they cannot be counted per person and are left out, as in
`aggregate_steps`.

Only half-years whose figures can no longer change are offered
(`frozen_halves`): a figure that moves while it is shown gives away whoever
moved it (the current half-year's cell going from 5 dosed to 6 reads the sixth
person's step as 6 x the new mean - 5 x the old; a half-year losing one
dosing to the daily anonymisation reads that one). So the current half-year
is left out until it has ended, and a half-year goes whole, never in part,
once the retention period reaches it or any of its dosings is anonymised.
"""

import datetime as dt
from collections import defaultdict

from django.utils import timezone
from django.utils.translation import gettext as _

from tillid.delegation import services
from tillid.delegation.models import Dosing
from tillid.organisation.models import Unit
from tillid.organisation.selectors import disclose_per_unit

DOSING_STEPS = "delegation:dosing_steps"


def outcomes() -> list[tuple[str, str]]:
    return [(DOSING_STEPS, _("Mean trust-dosing step of those dosed (half-year)"))]


def _half(day: dt.date) -> tuple[int, int]:
    return day.year, 0 if day.month <= 6 else 1


def _halves(first: tuple[int, int], last: tuple[int, int]) -> list[tuple[int, int]]:
    found = []
    year, half = first
    while (year, half) <= last:
        found.append((year, half))
        year, half = (year, 1) if half == 0 else (year + 1, 0)
    return found


def half_label(year: int, half: int) -> str:
    """'1. half-year 2026' for the first half (`half` 0), '2. …' for the second."""
    return _("%(half)s. half-year %(year)s") % {"half": half + 1, "year": year}


def subject_steps() -> dict[tuple[int, int], dict[tuple, tuple[int, int]]]:
    """Per half-year, each subject dosed in it: (unit id, step), the step the lowest of
    its tasks' latest dosings in the half-year, the unit that of its latest dosing."""
    latest: dict[tuple, dict[str, tuple[int, int]]] = defaultdict(dict)
    unit_of: dict[tuple, int] = {}
    for person_id, team_id, task, unit_id, step, created in (
        Dosing.objects.filter(anonymised_at__isnull=True, unit__is_active=True)
        .order_by("created_at", "pk")
        .values_list(
            "subject_person_id", "subject_unit_id", "task", "unit_id", "chosen_step", "created_at"
        )
    ):
        half = _half(timezone.localtime(created).date())
        key = (half, person_id, team_id)
        latest[key][task] = (unit_id, step)
        unit_of[key] = unit_id
    found: dict[tuple[int, int], dict[tuple, tuple[int, int]]] = defaultdict(dict)
    for (half, person_id, team_id), tasks in latest.items():
        step = min(s for _u, s in tasks.values())
        found[half][(person_id, team_id)] = (unit_of[(half, person_id, team_id)], step)
    return dict(found)


def _ends(year: int, half: int) -> dt.date:
    return dt.date(year, 6, 30) if half == 0 else dt.date(year, 12, 31)


def frozen_halves(halves) -> set[tuple[int, int]]:
    """The half-years whose figures can no longer change: ended (no dosing will be
    recorded in them), wholly inside the retention period (none of their dosings is
    old enough to be anonymised) and with no anonymised dosing at all."""
    now = timezone.now()
    today = timezone.localdate(now)
    cutoff = timezone.localtime(services._months_ago(now, services.retention_months())).date()
    eroded = {
        _half(timezone.localtime(created).date())
        for created in Dosing.objects.filter(anonymised_at__isnull=False).values_list(
            "created_at", flat=True
        )
    }
    return {
        (year, half)
        for year, half in halves
        if _ends(year, half) < today
        and dt.date(year, 1 if half == 0 else 7, 1) >= cutoff
        and (year, half) not in eroded
    }


def outcome_values(
    *, outcome: str, unit_ids: list[int], treatment: dict | None = None
) -> dict | None:
    """Per unit subtree and half-year, the mean step of the subjects dosed in it
    (`treatment`, the effect asked about, does not change the figure)."""
    if outcome != DOSING_STEPS:
        return None
    units = {u.pk: u for u in Unit.objects.filter(pk__in=unit_ids, is_active=True)}
    per_half = subject_steps()
    if not per_half or not units:
        return {"periods": [], "values": [], "left_out": 0}
    every = _halves(min(per_half), max(per_half))
    frozen = frozen_halves(every)
    halves = [h for h in every if h in frozen]
    # From the first to the last offered half-year with anyone dosed.
    while halves and halves[-1] not in per_half:
        halves.pop()
    while halves and halves[0] not in per_half:
        halves.pop(0)
    if not halves:
        return {"periods": [], "values": [], "left_out": 0}
    paths = dict(Unit.objects.filter(is_active=True).values_list("id", "path"))
    periods, values, hidden = [], [], set()
    for period, (year, half) in enumerate(halves, start=1):
        periods.append((period, half_label(year, half), dt.date(year, 1 if half == 0 else 7, 1)))
        subjects = per_half.get((year, half), {})
        direct: dict[int, int] = defaultdict(int)
        for unit_id, _step in subjects.values():
            direct[unit_id] += 1
        # One decision over the whole tree per half-year: which subtrees show a figure.
        disclosure = disclose_per_unit(dict(direct))
        for uid in sorted(units):
            shown = disclosure.shown_count(uid)
            if not shown:
                hidden.add(uid)
                continue
            prefix = units[uid].path
            steps = [
                step
                for unit_id, step in subjects.values()
                if unit_id not in disclosure.excluded and paths[unit_id].startswith(prefix)
            ]
            values.append(
                {
                    "unit": uid,
                    "period": period,
                    "value": sum(steps) / shown,
                    "respondents": shown,
                }
            )
    return {"periods": periods, "values": values, "left_out": len(hidden)}
