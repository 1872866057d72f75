"""Compass endpoints of the REST API, under /api/compass/.

Aggregates only, under the same anonymity rules as the pages: the figures
come from selectors.round_results (hidden cells are null), results only
once a round has closed, and only for units where the caller has
VIEW_SURVEY_RESULTS. No endpoint returns a single response or comment.
"""

from datetime import date

from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.errors import HttpError

from tillid.compass import selectors
from tillid.compass.models import Round
from tillid.core.viewkit import require
from tillid.organisation.models import Unit
from tillid.organisation.permissions import Perm, has_perm, scope_for

router = Router(tags=["compass"])


class RoundOut(Schema):
    id: int
    name: str
    root_id: int
    instrument: str
    opens_on: date
    closes_on: date
    closed: bool
    min_group: int


@router.get("/rounds", response=list[RoundOut], summary="Survey rounds the caller can see")
def list_rounds(request):
    scope = scope_for(request.user, Perm.VIEW_SURVEY_RESULTS)
    require(not scope.nothing)
    return [
        RoundOut(
            id=r.pk,
            name=r.name,
            root_id=r.root_id,
            instrument=f"{r.instrument.code} v{r.instrument.version}",
            opens_on=r.opens_on,
            closes_on=r.closes_on,
            closed=r.is_closed,
            min_group=r.min_group,
        )
        for r in selectors.rounds_for(scope)[:200]
    ]


@router.get(
    "/rounds/{round_id}/results",
    summary="Results per unit subtree and role group (hidden cells are null)",
)
def round_results(request, round_id: int, unit: int | None = None):
    round_ = get_object_or_404(Round.objects.select_related("root", "instrument"), pk=round_id)
    target = get_object_or_404(Unit, pk=unit) if unit else round_.root
    if not target.is_within(round_.root):
        raise HttpError(404, "Not found.")
    require(has_perm(request.user, Perm.VIEW_SURVEY_RESULTS, target))
    if not round_.is_closed:
        raise HttpError(409, "Results are available when the round has closed.")
    return selectors.results_report(selectors.round_results(round_), within=target)
