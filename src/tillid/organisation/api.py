"""Organisation endpoints of the REST API, under /api/organisation/."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate

from tillid.organisation import selectors
from tillid.organisation.models import Unit
from tillid.organisation.permissions import Perm, has_perm, has_perm_anywhere, scope_for

router = Router(tags=["organisation"])


class UnitOut(Schema):
    id: int
    external_id: str
    name: str
    kind: str
    parent_id: int | None
    depth: int


class PersonOut(Schema):
    id: int
    external_id: str
    name: str
    email: str
    unit_id: int
    is_leader: bool


class UnitDetailOut(UnitOut):
    headcount: int
    ancestors: list[UnitOut]
    children: list[UnitOut]
    leaders: list[PersonOut]


def _require(request, perm: Perm, unit: Unit | None = None) -> None:
    allowed = has_perm(request.user, perm, unit) if unit else has_perm_anywhere(request.user, perm)
    if not allowed:
        raise HttpError(403, _("You do not have access to this."))


@router.get("/units", response=list[UnitOut], summary="List units")
@paginate(PageNumberPagination, page_size=100)
def list_units(request, q: str = "", kind: str = "", parent_id: int | None = None):
    _require(request, Perm.USE_API)
    _require(request, Perm.VIEW_ORGANISATION)
    units = selectors.search_units(q, kind=kind)
    if parent_id is not None:
        units = units.filter(parent_id=parent_id)
    return units


@router.get("/units/{unit_id}", response=UnitDetailOut, summary="One unit")
def unit_detail(request, unit_id: int):
    _require(request, Perm.USE_API)
    unit = get_object_or_404(selectors.active_units(), pk=unit_id)
    _require(request, Perm.VIEW_ORGANISATION, unit)
    return {
        **{
            f: getattr(unit, f) for f in ("id", "external_id", "name", "kind", "parent_id", "depth")
        },
        "headcount": selectors.headcount(unit),
        "ancestors": selectors.ancestors(unit),
        "children": list(selectors.child_units(unit)),
        "leaders": list(selectors.leaders_of(unit)),
    }


@router.get("/units/{unit_id}/people", response=list[PersonOut], summary="People in a unit")
@paginate(PageNumberPagination, page_size=100)
def unit_people(request, unit_id: int, q: str = ""):
    _require(request, Perm.USE_API)
    unit = get_object_or_404(selectors.active_units(), pk=unit_id)
    _require(request, Perm.VIEW_PEOPLE, unit)
    return selectors.people(scope=scope_for(request.user, Perm.VIEW_PEOPLE), query=q, unit=unit)
