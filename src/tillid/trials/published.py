"""The trials' lines of the published list of decisions ("overview.decisions").

Every exemption a trial action was granted: the governance it suspends or
changes while it runs, from the day the trial was approved, with the layer the
governance comes from and the time it frees a year for the trial's unit (asked
of the governance register through the contract "trials.exemption_figures";
only a suspension frees its whole burden). No person is named.
"""

from collections import defaultdict

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tillid.core import contracts
from tillid.core.indicators import Period, PublishedDecision, Scope
from tillid.trials import followup
from tillid.trials.models import GovernanceEffect, GovernanceLink, Stage, TrialKind


def decisions(*, scope: Scope, period: Period) -> list[PublishedDecision]:
    links = (
        GovernanceLink.objects.filter(trial__kind=TrialKind.TRIAL)
        .exclude(trial__stage=Stage.IDEA)
        .select_related("trial__unit")
        .order_by("pk")
    )
    if not scope.everything:
        links = links.filter(trial__unit__path__startswith=scope.path)
    links = list(links)
    stages = followup.milestones({link.trial_id for link in links})

    def granted_on(link) -> object:
        return stages[link.trial_id].approved or timezone.localtime(link.trial.created_at).date()

    links = [link for link in links if granted_on(link) in period]
    # One question to the register for every unit and the items its trials set aside.
    wanted: dict[int, set[int]] = defaultdict(set)
    for link in links:
        if link.governance_item_id:
            wanted[link.trial.unit_id].add(link.governance_item_id)
    known = (
        contracts.call(
            "trials.exemption_figures",
            items_by_unit={unit_id: sorted(ids) for unit_id, ids in wanted.items()},
            default={},
        )
        if wanted
        else {}
    )
    lines = []
    for link in links:
        trial = link.trial
        granted = granted_on(link)
        figures = known.get(trial.unit_id, {}).get(link.governance_item_id, {})
        hours = figures.get("hours") if link.effect == GovernanceEffect.SUSPENDS else None
        lines.append(
            PublishedDecision(
                decided_on=granted,
                kind="exemption",
                kind_label=_("Exemption granted by a trial action"),
                title=link.title,
                layer=figures.get("layer", ""),
                decision=str(link.get_effect_display()),
                rationale=link.note
                or _("Trial action “%(trial)s”: %(question)s")
                % {"trial": trial.title, "question": trial.question},
                hours_freed=hours,
                dkk_freed=figures.get("dkk") if hours is not None else None,
                url=reverse("trials:detail", args=[trial.pk]),
                unit_names=[trial.unit.name],
            )
        )
    lines.sort(key=lambda d: (d.decided_on, d.title))
    return lines
