"""What trials offer the overview's effect pages (contracts "effects.*").

A trial touches its own unit from its start, and the units of its parts
(trials with it as parent) and of the units that adopted it, from their own
start or adoption; beside the numbers, the team's observations and evaluation,
and the governance items the trial suspends or changes (`items`).

One outcome, `trials:running`: trial actions running in the unit's subtree
during each half-year, per 100 employees. Per 100 employees rather than a
plain count, because the inequality watch compares units of very different
sizes (a forvaltning against a team), and a plain count would rank units by
headcount; it is the same measure as governance's red-tape reports per 100
employees. The trial overview indicators count trials in a scope, which stays
right inside one scope but not between scopes. Trials themselves describe
units, not people (trust tests, which describe a person, are not counted),
but the employee count does, so it goes through
`organisation.selectors.disclose_per_unit`: a unit whose headcount the
engine hides has no value and is counted in `left_out`.

A trial runs from its start date (or the day it was moved to running) until
its end date (or, without one, the day it was evaluated or stopped); trials
still at idea or approved are not running. It counts for its own unit and
every unit above it; adoptions are spreading, not running, and do not count.
Only half-years that have ended are offered, as for delegation's outcome: a
figure that can still change is never shown.
"""

from collections import defaultdict
from datetime import date

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tillid.core.periods import half_year_of, last_ended_half_year, numbered_half_years
from tillid.organisation.models import Unit
from tillid.organisation.selectors import active_people_per_unit, disclose_per_unit
from tillid.trials import followup
from tillid.trials.models import Adoption, Stage, Trial, TrialKind

RUNNING = "trials:running"


def treatments(*, decision_id=None, trial_id=None, group=None) -> dict | None:
    if group is not None and group.get("trials"):
        return _all_trials()
    if trial_id is None:
        return None
    trial = (
        Trial.objects.filter(pk=trial_id)
        .select_related("unit")
        .prefetch_related("children", "adoptions", "observations", "governance_links")
        .first()
    )
    if trial is None:
        return None
    units = []
    if trial.unit_id and trial.start_date:
        units.append((trial.unit_id, trial.start_date, trial.title))
    for part in trial.children.all():
        if part.unit_id and part.start_date:
            units.append((part.unit_id, part.start_date, part.title))
    for adoption in trial.adoptions.all():
        units.append((adoption.unit_id, adoption.adopted_on, trial.title))
    notes = []
    evaluation = getattr(trial, "evaluation", None)
    if evaluation is not None:
        notes.append((_("What worked"), evaluation.what_worked))
        if evaluation.what_did_not:
            notes.append((_("What did not work"), evaluation.what_did_not))
        notes.append((_("Evidence"), evaluation.evidence))
        notes.append((_("Were the success criteria met?"), evaluation.get_criteria_met_display()))
    for observation in trial.observations.all():
        notes.append(
            (
                f"{observation.get_kind_display()} ({observation.observed_on:%d.%m.%Y})",
                observation.text,
            )
        )
    return {
        "kind": "trial",
        "id": trial.pk,
        "title": trial.title,
        "label": trial.get_kind_display(),
        "url": reverse("trials:detail", args=[trial.pk]),
        "units": units,
        "notes": notes,
        "items": _items(trial),
    }


def _items(trial: Trial) -> list[int]:
    """The governance items the trial suspends or changes, once each, in link order."""
    items: list[int] = []
    for link in trial.governance_links.all():
        if link.governance_item_id is not None and link.governance_item_id not in items:
            items.append(link.governance_item_id)
    return items


def _all_trials() -> dict:
    """Every unit running a trial (or having adopted one), from its start."""
    units = [
        (t.unit_id, t.start_date, t.title)
        for t in Trial.objects.filter(start_date__isnull=False, unit__isnull=False)
    ]
    units += [
        (a.unit_id, a.adopted_on, a.trial.title) for a in Adoption.objects.select_related("trial")
    ]
    return {
        "kind": "group",
        "id": None,
        "title": "",
        "label": "",
        "url": "",
        "units": units,
        "notes": [],
        "items": sorted(
            {
                i
                for i in Trial.objects.filter(
                    start_date__isnull=False, unit__isnull=False
                ).values_list("governance_links__governance_item_id", flat=True)
                if i is not None
            }
        ),
    }


def outcomes() -> list[tuple[str, str]]:
    return [(RUNNING, _("Trial actions running per 100 employees (half-year)"))]


def running_spans() -> list[tuple[str, date, date | None]]:
    """(unit path, first day, last day or None) of every trial action that has run."""
    trials = list(
        Trial.objects.filter(kind=TrialKind.TRIAL, unit__is_active=True)
        .exclude(stage__in=[Stage.IDEA, Stage.APPROVED])
        .values_list("pk", "unit__path", "start_date", "end_date")
    )
    marks = followup.milestones(pk for pk, *_rest in trials)
    spans = []
    for pk, path, start, end in trials:
        m = marks.get(pk)
        start = start or (m.running if m else None)
        if start is None:
            continue
        if end is None and m is not None:
            ends = [d for d in (m.evaluated, m.stopped) if d is not None]
            end = min(ends) if ends else None
        spans.append((path, start, end))
    return spans


def outcome_values(
    *, outcome: str, unit_ids: list[int], treatment: dict | None = None
) -> dict | None:
    if outcome != RUNNING:
        return None
    units = dict(Unit.objects.filter(pk__in=unit_ids, is_active=True).values_list("id", "path"))
    spans = running_spans()
    if not spans or not units:
        return {"periods": [], "values": [], "left_out": 0}
    first = half_year_of(min(start for _p, start, _e in spans))
    # The last half-year that has ended: the current one can still change, so it waits.
    halves = numbered_half_years(first, last_ended_half_year(timezone.localdate()))
    if not halves:
        return {"periods": [], "values": [], "left_out": 0}
    periods = [(period, label, begins) for period, label, begins, _ends in halves]
    running: dict[tuple[int, int], int] = defaultdict(int)
    for period, _label, begins, ends in halves:
        for path, start, end in spans:
            if start > ends or (end is not None and end < begins):
                continue
            for uid, unit_path in units.items():
                if path.startswith(unit_path):
                    running[(uid, period)] += 1
    # Employees per unit subtree, only where the anonymity engine shows the count.
    disclosure = disclose_per_unit(active_people_per_unit())
    values, left_out = [], 0
    for uid in sorted(units):
        employees = disclosure.shown_count(uid)
        if not employees:
            left_out += 1
            continue
        for period, _label, _start in periods:
            values.append(
                {
                    "unit": uid,
                    "period": period,
                    "value": 100.0 * running[(uid, period)] / employees,
                    "respondents": employees,
                }
            )
    return {"periods": periods, "values": values, "left_out": left_out}
