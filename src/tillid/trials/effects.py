"""What trials offer the overview's effect pages (contract "effects.treatments").

A trial touches its own unit from its start, and the units of its parts
(trials with it as parent) and of the units that adopted it, from their own
start or adoption; beside the numbers, the team's observations and evaluation.
"""

from django.urls import reverse
from django.utils.translation import gettext as _

from tillid.trials.models import Adoption, Trial


def treatments(*, decision_id=None, trial_id=None, group=None) -> dict | None:
    if group is not None and group.get("trials"):
        return _all_trials()
    if trial_id is None:
        return None
    trial = (
        Trial.objects.filter(pk=trial_id)
        .select_related("unit")
        .prefetch_related("children", "adoptions", "observations")
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
    }


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
    }
