"""Delegation endpoints of the REST API, under /api/delegation/.

Only aggregate, non-personal figures: dosing and breach records are personal
data and have no API. Groups under settings.TILLID_ANONYMITY_MIN_GROUP are
suppressed, with complementary suppression so that hidden cells cannot be
worked out from the visible ones.
"""

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema

from tillid.delegation import selectors
from tillid.delegation.ladder import Step
from tillid.organisation.models import Unit
from tillid.organisation.permissions import Perm, require_perm

router = Router(tags=["delegation"])


class StepOut(Schema):
    step: int
    label: str


class StepCountsOut(Schema):
    unit_id: int
    unit_name: str
    suppressed: bool = Field(description="True when the group is too small to show.")
    total: int | None = Field(description="People and teams with a current dosing.")
    steps: dict[str, int | None] | None = Field(
        description="Count per step '1'–'5'; null where the cell is suppressed."
    )


class AggregateOut(Schema):
    unit_id: int
    min_group: int
    groups: list[StepCountsOut] = Field(
        description="The unit's whole subtree first, then each unit directly below it."
    )


@router.get("/ladder", response=list[StepOut], summary="The five steps of the trust ladder")
def ladder(request):
    return [{"step": s.value, "label": str(s.label)} for s in Step]


@router.get(
    "/aggregate",
    response=AggregateOut,
    summary="Current trust steps counted per unit subtree (no personal data)",
)
def aggregate(request, unit_id: int):
    from django.conf import settings

    unit = get_object_or_404(Unit, pk=unit_id, is_active=True)
    require_perm(request.user, Perm.VIEW_DELEGATION_AGGREGATES, unit)
    return {
        "unit_id": unit.pk,
        "min_group": settings.TILLID_ANONYMITY_MIN_GROUP,
        "groups": selectors.aggregate_steps(unit),
    }
