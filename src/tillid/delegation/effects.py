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

from collections import defaultdict

from django.utils import timezone
from django.utils.translation import gettext as _

from tillid.core.periods import (
    half_year_bounds,
    half_year_label,
    half_year_of,
    half_years_between,
)
from tillid.delegation import services
from tillid.delegation.models import Dosing
from tillid.organisation.models import Unit
from tillid.organisation.selectors import disclose_per_unit

DOSING_STEPS = "delegation:dosing_steps"


def outcomes() -> list[tuple[str, str]]:
    return [(DOSING_STEPS, _("Mean trust-dosing step of those dosed (half-year)"))]


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
        half = half_year_of(timezone.localtime(created).date())
        key = (half, person_id, team_id)
        latest[key][task] = (unit_id, step)
        unit_of[key] = unit_id
    found: dict[tuple[int, int], dict[tuple, tuple[int, int]]] = defaultdict(dict)
    for (half, person_id, team_id), tasks in latest.items():
        step = min(s for _u, s in tasks.values())
        found[half][(person_id, team_id)] = (unit_of[(half, person_id, team_id)], step)
    return dict(found)


def frozen_halves(halves) -> set[tuple[int, int]]:
    """The half-years whose figures can no longer change: ended (no dosing will be
    recorded in them), wholly inside the retention period (none of their dosings is
    old enough to be anonymised) and with no anonymised dosing at all."""
    now = timezone.now()
    today = timezone.localdate(now)
    cutoff = timezone.localtime(services._months_ago(now, services.retention_months())).date()
    eroded = {
        half_year_of(timezone.localtime(created).date())
        for created in Dosing.objects.filter(anonymised_at__isnull=False).values_list(
            "created_at", flat=True
        )
    }
    return {
        half
        for half in halves
        if half_year_bounds(half)[1] < today
        and half_year_bounds(half)[0] >= cutoff
        and half not in eroded
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
    every = half_years_between(min(per_half), max(per_half))
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
    for period, half in enumerate(halves, start=1):
        periods.append((period, half_year_label(half), half_year_bounds(half)[0]))
        subjects = per_half.get(half, {})
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
