"""Organisation endpoints of the REST API, under /api/organisation/.

Access follows the pages exactly: the structure (units, kinds, leaders'
names, headcounts) is for anyone with VIEW_ORGANISATION; people's names and
e-mail addresses only for callers with VIEW_PEOPLE on the unit. The API-wide
USE_API check is in tillid.api.
"""

from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from tillid.organisation import selectors
from tillid.organisation.models import Role, Unit, UnitKind
from tillid.organisation.permissions import (
    Perm,
    _grants,
    has_perm,
    has_perm_anywhere,
    require_perm,
    scope_for,
)

router = Router(tags=["organisation"])

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


class UnitOut(Schema):
    id: int
    external_id: str
    name: str
    kind: UnitKind
    parent_id: int | None
    depth: int


class PersonOut(Schema):
    id: int
    external_id: str
    name: str
    email: str
    unit_id: int
    is_leader: bool


class LeaderOut(Schema):
    id: int
    name: str
    email: str | None = Field(None, description="Only for callers who may see the unit's people.")


class UnitDetailOut(UnitOut):
    headcount: int = Field(description="Active people in the unit and every unit below it.")
    ancestors: list[UnitOut] = Field(description="From the top of the tree down to the parent.")
    children: list[UnitOut]
    leaders: list[LeaderOut]


class RoleOut(Schema):
    role: Role
    unit_id: int | None = Field(description="Empty for the whole organisation.")


class PersonRefOut(Schema):
    id: int
    name: str
    unit_id: int
    is_leader: bool


class MeOut(Schema):
    username: str
    person: PersonRefOut | None
    roles: list[RoleOut]
    permissions: list[str] = Field(description="Permissions held for at least one unit.")


def _active_unit(unit_id: int) -> Unit:
    return get_object_or_404(selectors.active_units(), pk=unit_id)


@router.get("/me", response=MeOut, summary="The caller and their roles")
def me(request):
    user = request.user
    person = selectors.person_for_user(user)
    grants = sorted(
        {(g.role, g.unit_id) for g in _grants(user)},
        key=lambda g: (Role.values.index(g[0]), g[1] or 0),
    )
    return {
        "username": user.get_username(),
        "person": person if person is not None and person.is_active else None,
        "roles": [{"role": role, "unit_id": unit_id} for role, unit_id in grants],
        "permissions": sorted(p.value for p in Perm if has_perm_anywhere(user, p)),
    }


@router.get("/units", response=list[UnitOut], summary="List and search units")
@paginate(PageNumberPagination, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def list_units(
    request,
    q: str = Query("", max_length=100, description="Part of the name, or the exact external id."),
    kind: UnitKind | None = None,
    parent_id: int | None = Query(None, description="Only the units directly below this one."),
):
    require_perm(request.user, Perm.VIEW_ORGANISATION)
    units = selectors.search_units(q.strip(), kind=kind or "")
    if parent_id is not None:
        units = units.filter(parent_id=parent_id)
    return units.order_by("name", "pk")


@router.get("/units/{unit_id}", response=UnitDetailOut, summary="One unit")
def unit_detail(request, unit_id: int):
    unit = _active_unit(unit_id)
    require_perm(request.user, Perm.VIEW_ORGANISATION, unit)
    show_email = has_perm(request.user, Perm.VIEW_PEOPLE, unit)
    return {
        **{
            f: getattr(unit, f) for f in ("id", "external_id", "name", "kind", "parent_id", "depth")
        },
        "headcount": selectors.headcount(unit),
        "ancestors": selectors.ancestors(unit),
        "children": list(selectors.child_units(unit)),
        "leaders": [
            {"id": p.pk, "name": p.name, "email": p.email if show_email else None}
            for p in selectors.leaders_of(unit)
        ],
    }


@router.get(
    "/units/{unit_id}/people",
    response=list[PersonOut],
    summary="People in a unit and the units below it",
)
@paginate(PageNumberPagination, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def unit_people(
    request,
    unit_id: int,
    q: str = Query("", max_length=100, description="Part of the name or e-mail."),
    leaders: bool = False,
):
    unit = _active_unit(unit_id)
    require_perm(request.user, Perm.VIEW_PEOPLE, unit)
    return selectors.people(
        scope=scope_for(request.user, Perm.VIEW_PEOPLE),
        query=q.strip(),
        unit=unit,
        leaders_only=leaders,
    )
