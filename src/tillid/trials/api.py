"""Trials endpoints of the REST API, under /api/trials/.

The same rules as the pages: anyone may read ordinary trials and propose
one; a leader of the trial's unit (or above) moves it between stages; trust
tests are shown only to those who may read the person's records.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db.models import F
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate

from tillid.core import contracts
from tillid.core.viewkit import require
from tillid.organisation.models import Unit
from tillid.organisation.permissions import Perm, require_perm
from tillid.trials import access, selectors, services
from tillid.trials.models import (
    Area,
    GovernanceEffect,
    ObservationKind,
    Origin,
    ParticipantKind,
    Stage,
    Trial,
    TrialKind,
)

router = Router(tags=["trials"])


class TrialOut(Schema):
    id: int
    kind: TrialKind
    title: str
    question: str
    unit_id: int
    unit_name: str
    owner_id: int | None
    origin: Origin
    area: Area
    stage: Stage
    participant_kinds: list[str]
    start_date: dt.date | None
    end_date: dt.date | None
    parent_id: int | None


class StageChangeOut(Schema):
    from_stage: str
    to_stage: Stage
    is_send_back: bool
    reason: str
    changed_at: dt.datetime


class TaskOut(Schema):
    stage: Stage
    title: str
    due_date: dt.date | None
    done: bool


class MilestoneOut(Schema):
    title: str
    due_date: dt.date | None
    done: bool


class ObservationOut(Schema):
    kind: ObservationKind
    text: str
    observed_on: dt.date


class EvaluationOut(Schema):
    what_worked: str
    what_did_not: str
    evidence: str
    criteria_met: str


class AdoptionOut(Schema):
    unit_id: int
    unit_name: str
    adopted_on: dt.date


class GovernanceLinkOut(Schema):
    governance_item_id: int | None
    title: str
    effect: GovernanceEffect
    note: str


class TrialDetailOut(TrialOut):
    description: str
    success_criteria: str
    participants_note: str
    progress: float = Field(description="0–1, rolled up from milestones and sub-trials.")
    spread_count: int = Field(description="Other units that have adopted the trial.")
    stage_history: list[StageChangeOut]
    tasks: list[TaskOut]
    milestones: list[MilestoneOut]
    sub_trial_ids: list[int]
    observations: list[ObservationOut]
    evaluation: EvaluationOut | None
    adoptions: list[AdoptionOut]
    governance: list[GovernanceLinkOut]
    step_from: int | None = None
    step_to: int | None = None
    risk: str = ""
    outcome: str = ""


class TrialIn(Schema):
    title: str = Field(max_length=200)
    question: str = Field(max_length=4000)
    unit_id: int
    origin: Origin = Origin.EMPLOYEE
    area: Area = Area.COORDINATION
    description: str = ""
    participant_kinds: list[ParticipantKind] = []
    participants_note: str = ""
    success_criteria: str = ""
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    parent_id: int | None = None


class TransitionIn(Schema):
    to_stage: Stage
    reason: str = ""


def _trial(request, trial_id: int) -> Trial:
    trial = get_object_or_404(
        Trial.objects.select_related("unit", "subject_person__unit"), pk=trial_id
    )
    if not access.can_view(request.user, trial):
        raise HttpError(404, _("Not found."))
    return trial


_BASE_FIELDS = [name for name in TrialOut.model_fields if name != "unit_name"]


def _detail(trial: Trial) -> dict:
    evaluation = getattr(trial, "evaluation", None)
    return {
        **{name: getattr(trial, name) for name in _BASE_FIELDS},
        "unit_name": trial.unit.name,
        "description": trial.description,
        "success_criteria": trial.success_criteria,
        "participants_note": trial.participants_note,
        "progress": round(selectors.progress(trial), 3),
        "spread_count": selectors.spread_count(trial),
        "stage_history": list(trial.stage_changes.all()),
        "tasks": [
            {"stage": t.stage, "title": t.title, "due_date": t.due_date, "done": t.is_done}
            for t in trial.tasks.all()
        ],
        "milestones": [
            {"title": m.title, "due_date": m.due_date, "done": m.is_done}
            for m in trial.milestones.all()
        ],
        "sub_trial_ids": list(trial.children.values_list("pk", flat=True)),
        "observations": list(trial.observations.all()),
        "evaluation": evaluation,
        "adoptions": [
            {"unit_id": a.unit_id, "unit_name": a.unit.name, "adopted_on": a.adopted_on}
            for a in trial.adoptions.select_related("unit")
        ],
        "governance": list(trial.governance_links.all()),
        "step_from": trial.step_from,
        "step_to": trial.step_to,
        "risk": trial.risk,
        "outcome": trial.outcome,
    }


@router.get("/", response=list[TrialOut], summary="List and filter trial actions")
@paginate(PageNumberPagination, page_size=50, max_page_size=200)
def list_trials(
    request,
    q: str = Query("", max_length=100),
    unit_id: int | None = Query(None, description="The unit and the units below it."),
    stage: Stage | None = None,
    area: Area | None = None,
    kind: TrialKind | None = None,
    governance: str = Query("", description="'yes': touches governance, 'no': touches none."),
    governance_item_id: int | None = None,
):
    require_perm(request.user, Perm.VIEW_TRIALS)
    unit = get_object_or_404(Unit, pk=unit_id) if unit_id else None
    return selectors.search_trials(
        request.user,
        query=q.strip(),
        unit=unit,
        stage=stage or "",
        area=area or "",
        kind=kind or "",
        governance=governance if governance in ("yes", "no") else "",
        governance_item_id=governance_item_id,
    ).annotate(unit_name=F("unit__name"))


@router.get("/{trial_id}", response=TrialDetailOut, summary="One trial action")
def trial_detail(request, trial_id: int):
    trial = _trial(request, trial_id)
    if trial.is_trust_test and trial.subject_person_id:
        contracts.call("trials.log_trust_test_read", trial=trial, reader=request.user)
    return _detail(trial)


@router.post("/", response={201: TrialDetailOut}, summary="Propose a trial action")
def create_trial(request, payload: TrialIn):
    unit = get_object_or_404(Unit, pk=payload.unit_id, is_active=True)
    require_perm(request.user, Perm.PROPOSE_TRIAL, unit)
    parent = _trial(request, payload.parent_id) if payload.parent_id else None
    try:
        trial = services.propose_trial(
            proposed_by=request.user,
            unit=unit,
            title=payload.title,
            question=payload.question,
            origin=payload.origin,
            area=payload.area,
            description=payload.description,
            participant_kinds=[str(k) for k in payload.participant_kinds],
            participants_note=payload.participants_note,
            success_criteria=payload.success_criteria,
            start_date=payload.start_date,
            end_date=payload.end_date,
            parent=parent,
        )
    except ValidationError as error:
        raise HttpError(422, " ".join(error.messages)) from None
    return 201, _detail(trial)


@router.post("/{trial_id}/transition", response=TrialDetailOut, summary="Move a trial action")
def transition(request, trial_id: int, payload: TransitionIn):
    trial = _trial(request, trial_id)
    require(access.can_manage(request.user, trial))
    try:
        if payload.to_stage == Stage.APPROVED and trial.stage == Stage.IDEA:
            services.approve(trial=trial, by=request.user)
        else:
            services.transition(
                trial=trial, to_stage=payload.to_stage, by=request.user, reason=payload.reason
            )
    except ValidationError as error:
        raise HttpError(422, " ".join(error.messages)) from None
    return _detail(selectors.trial_detail(trial.pk))
