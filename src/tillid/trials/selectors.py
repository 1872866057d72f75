"""Reads for trials, including what other apps may ask of this one.

Other apps reach the functions marked "for other apps" only through the
contracts in TrialsConfig.provides (tillid.core.contracts): the governance
register asks `exemptions_for_item`, the delegation app `trust_tests_for`.
This app in turn asks the register through the contracts
"trials.items_in_order" and "trials.governance_choices".
"""

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.urls import NoReverseMatch, reverse

from tillid.core import contracts
from tillid.organisation import selectors as org_selectors
from tillid.organisation.models import Person, Unit
from tillid.trials.access import visible_q
from tillid.trials.models import GovernanceLink, Stage, Trial, TrialKind
from tillid.trials.rules import BACK, FORWARD, STAGE_ORDER, own_progress, rolled_up_progress


def _governance_items(ids: list[int]) -> list:
    """The one adapter to the governance register: items by id, or [] without a register."""
    return contracts.call("trials.items_in_order", ids=ids, default=[])


def governance_item_title(item_id: int) -> str | None:
    """The title of a governance register item, or None if it (or the register) is absent."""
    found = _governance_items([item_id])
    if not found:
        return None
    item = found[0]
    return str(getattr(item, "title", None) or item)


def governance_item_url(item_id: int | None) -> str:
    """The register page of an item, or "" when there is no such page."""
    if not item_id:
        return ""
    try:
        return reverse("governance:item", args=[item_id])
    except NoReverseMatch:
        return ""


def governance_choices() -> list[tuple[int, str]]:
    """Register items to choose from when linking a trial (empty without a register)."""
    return contracts.call("trials.governance_choices", default=[])


@dataclass(frozen=True)
class Exemption:
    trial_id: int
    trial_title: str
    unit_name: str
    stage: str
    stage_label: str
    effect: str
    effect_label: str
    note: str
    start_date: object
    end_date: object
    url: str


ACTIVE_STAGES = (Stage.APPROVED, Stage.RUNNING)


def exemptions_for_item(item_id: int, *, active_only: bool = False) -> list[Exemption]:
    """For other apps: the trials that suspend or change a governance item.

    The governance register shows these as the item's temporary exemptions.
    Trust tests are left out (they concern a person).
    """
    links = (
        GovernanceLink.objects.filter(governance_item_id=item_id, trial__kind=TrialKind.TRIAL)
        .select_related("trial__unit")
        .order_by("trial__start_date", "pk")
    )
    if active_only:
        links = links.filter(trial__stage__in=ACTIVE_STAGES)
    return [
        Exemption(
            trial_id=link.trial_id,
            trial_title=link.trial.title,
            unit_name=link.trial.unit.name,
            stage=link.trial.stage,
            stage_label=str(Stage(link.trial.stage).label),
            effect=link.effect,
            effect_label=str(link.get_effect_display()),
            note=link.note,
            start_date=link.trial.start_date,
            end_date=link.trial.end_date,
            url=reverse("trials:detail", args=[link.trial_id]),
        )
        for link in links
    ]


def trust_tests_for(*, person: Person | None = None, unit: Unit | None = None) -> QuerySet[Trial]:
    """For other apps: the trust tests about a person or a team, oldest first.

    The caller has already decided the reader may see the person's records.
    """
    qs = Trial.objects.filter(kind=TrialKind.TRUST_TEST)
    if person is not None:
        qs = qs.filter(subject_person=person)
    elif unit is not None:
        qs = qs.filter(subject_unit=unit, subject_person__isnull=True)
    else:
        return qs.none()
    return qs.order_by("created_at", "pk")


def visible_trials(user) -> QuerySet[Trial]:
    return Trial.objects.filter(visible_q(user)).select_related("unit", "owner")


def search_trials(
    user,
    *,
    query: str = "",
    unit: Unit | None = None,
    stage: str = "",
    area: str = "",
    kind: str = "",
    governance: str = "",
    governance_item_id: int | None = None,
) -> QuerySet[Trial]:
    """The list page and the API: filters by unit (with sub-units), stage, area, governance."""
    qs = visible_trials(user).annotate(adoption_count=Count("adoptions", distinct=True))
    if query:
        qs = qs.filter(
            Q(title__icontains=query)
            | Q(question__icontains=query)
            | Q(description__icontains=query)
        )
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    if stage:
        qs = qs.filter(stage=stage)
    if area:
        qs = qs.filter(area=area)
    if kind:
        qs = qs.filter(kind=kind)
    if governance == "yes":
        qs = qs.filter(governance_links__isnull=False).distinct()
    elif governance == "no":
        qs = qs.filter(governance_links__isnull=True)
    if governance_item_id is not None:
        qs = qs.filter(governance_links__governance_item_id=governance_item_id).distinct()
    return qs.order_by("-created_at", "-pk")


BOARD_LIMIT = 8


def board(user, *, unit: Unit | None = None) -> list[dict]:
    """Trials by stage: a count and the newest few per stage."""
    qs = visible_trials(user)
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    counts = dict(qs.values_list("stage").annotate(n=Count("id")).values_list("stage", "n"))
    columns = []
    for stage in STAGE_ORDER:
        items = list(
            qs.filter(stage=stage)
            .annotate(adoption_count=Count("adoptions"))
            .order_by("-updated_at", "-pk")[:BOARD_LIMIT]
        )
        columns.append(
            {
                "stage": stage,
                "label": Stage(stage).label,
                "count": counts.get(stage, 0),
                "trials": items,
            }
        )
    return columns


def waiting_for_leader(user, scope) -> QuerySet[Trial]:
    """Ideas in units the leader manages: the nearest leader takes them up."""
    return (
        Trial.objects.filter(kind=TrialKind.TRIAL, stage=Stage.IDEA)
        .filter(scope.unit_q("unit__"))
        .select_related("unit")
        .order_by("created_at", "pk")
    )


def nearest_leaders(unit: Unit) -> tuple[Unit | None, list[Person]]:
    """The leaders of the unit, or of the nearest unit above it that has any."""
    chain = [unit, *reversed(org_selectors.ancestors(unit))]
    for candidate in chain:
        leaders = list(org_selectors.leaders_of(candidate))
        if leaders:
            return candidate, leaders
    return None, []


def progress(trial: Trial, *, _depth: int = 0) -> float:
    """The trial's progress (0–1): its stage, tasks and milestones, rolled up with its
    sub-trials."""
    milestones = list(trial.milestones.all())
    tasks = list(trial.tasks.all())
    done = sum(1 for m in milestones if m.is_done) + sum(1 for t in tasks if t.is_done)
    own = own_progress(trial.stage, done, len(milestones) + len(tasks))
    if _depth >= 3:
        return own
    children = [progress(child, _depth=_depth + 1) for child in trial.children.all()]
    return rolled_up_progress(own, children)


def spread_count(trial: Trial) -> int:
    return trial.adoptions.count()


def stage_counts(user) -> dict[str, int]:
    qs = visible_trials(user)
    return dict(qs.values_list("stage").annotate(n=Count("id")).values_list("stage", "n"))


def trial_detail(pk: int) -> Trial:
    return Trial.objects.select_related(
        "unit", "owner", "parent", "subject_person__unit", "subject_unit", "proposed_by"
    ).get(pk=pk)


# --- stages ---------------------------------------------------------------------


def allowed_moves(trial: Trial) -> dict[str, Any]:
    """{'forward': [...], 'back': stage or None} for the trial's current stage."""
    return {"forward": list(FORWARD[trial.stage]), "back": back_stage(trial)}


def back_stage(trial: Trial) -> str | None:
    if trial.stage != Stage.STOPPED:
        return BACK[trial.stage]
    last = trial.stage_changes.filter(to_stage=Stage.STOPPED).order_by("-changed_at", "-pk").first()
    return last.from_stage if last and last.from_stage else None
