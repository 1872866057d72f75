"""Reads of the organisation: the tree, headcounts, people, effective roles."""

from collections import defaultdict
from collections.abc import Mapping

from django.conf import settings
from django.db.models import Count, Q, QuerySet

from tillid.core.anonymity import ALL, Disclosure, GroupNode, suppress
from tillid.organisation.models import JobFunctionRole, KLENumber, Person, Role, RoleGrant, Unit


def effective_grants(user) -> list:
    """The user's grants: explicit ones plus those the organisation implies.

    A person in the organisation is an employee of their unit; a person marked
    as leader is a leader of their unit (and so of the units below it).
    """
    from tillid.organisation.permissions import Grant

    grants = [
        Grant(role=g.role, unit_id=g.unit_id, path=g.unit.path if g.unit_id else "")
        for g in RoleGrant.objects.filter(
            Q(user=user) | Q(person__user=user, person__is_active=True)
        ).select_related("unit")
        if g.unit_id is None or g.unit.is_active
    ]
    person = (
        Person.objects.filter(user=user, is_active=True, unit__is_active=True)
        .select_related("unit")
        .first()
    )
    if person is not None:
        grants.append(Grant(role=Role.EMPLOYEE, unit_id=person.unit_id, path=person.unit.path))
        if person.is_leader:
            grants.append(Grant(role=Role.LEADER, unit_id=person.unit_id, path=person.unit.path))
    return grants


def active_units() -> QuerySet[Unit]:
    return Unit.objects.filter(is_active=True)


def root_units() -> QuerySet[Unit]:
    return active_units().filter(parent__isnull=True).order_by("name")


def child_units(unit: Unit) -> QuerySet[Unit]:
    return active_units().filter(parent=unit).order_by("name")


def units_with_children() -> set[int]:
    return set(
        active_units().filter(parent__isnull=False).values_list("parent_id", flat=True).distinct()
    )


def subtree_units(unit: Unit) -> QuerySet[Unit]:
    return active_units().filter(path__startswith=unit.path)


def ancestors(unit: Unit) -> list[Unit]:
    by_id = Unit.objects.in_bulk(unit.ancestor_ids)
    return [by_id[i] for i in unit.ancestor_ids if i in by_id]


def ancestor_trails(units: list[Unit]) -> dict[int, list[Unit]]:
    """Each unit's ancestors (root first), fetched in one query for the whole list."""
    ids = {a for u in units for a in u.ancestor_ids}
    by_id = Unit.objects.in_bulk(ids)
    return {u.pk: [by_id[a] for a in u.ancestor_ids if a in by_id] for u in units}


def headcounts(units: list[Unit] | None = None) -> dict[int, int]:
    """Active people per unit, including everyone in the units below it.

    One grouped query over people plus a walk up each unit's path, so a
    page showing many units costs the same as one showing a single unit.
    """
    direct = dict(
        Person.objects.filter(is_active=True, unit__is_active=True)
        .values_list("unit_id")
        .annotate(n=Count("id"))
        .values_list("unit_id", "n")
    )
    paths = dict(active_units().values_list("id", "path"))
    totals: dict[int, int] = defaultdict(int)
    for unit_id, n in direct.items():
        path = paths.get(unit_id)
        if not path:
            continue
        for ancestor in path.strip("/").split("/"):
            totals[int(ancestor)] += n
    if units is not None:
        return {u.pk: totals.get(u.pk, 0) for u in units}
    return dict(totals)


def headcount(unit: Unit) -> int:
    return Person.objects.filter(
        is_active=True, unit__is_active=True, unit__path__startswith=unit.path
    ).count()


def leaders_of(unit: Unit) -> QuerySet[Person]:
    return Person.objects.filter(unit=unit, is_active=True, is_leader=True).order_by("name")


def search_units(query: str, *, kind: str = "") -> QuerySet[Unit]:
    units = active_units().select_related("parent")
    if query:
        units = units.filter(Q(name__icontains=query) | Q(external_id__iexact=query))
    if kind:
        units = units.filter(kind=kind)
    return units.order_by("name")


def people(
    *, scope, query: str = "", unit: Unit | None = None, leaders_only: bool = False
) -> QuerySet[Person]:
    """Active people the scope may see, optionally within a unit's subtree."""
    qs = Person.objects.filter(is_active=True, unit__is_active=True).select_related("unit")
    qs = qs.filter(scope.unit_q("unit__"))
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    if query:
        qs = qs.filter(
            Q(name__icontains=query) | Q(email__icontains=query) | Q(external_id__iexact=query)
        )
    if leaders_only:
        qs = qs.filter(is_leader=True)
    return qs.order_by("name", "pk")


def person_for_user(user) -> Person | None:
    if not user.is_authenticated:
        return None
    return Person.objects.filter(user=user).select_related("unit").first()


def role_grants() -> QuerySet[RoleGrant]:
    return RoleGrant.objects.select_related(
        "user", "person__unit", "person__user", "unit", "granted_by"
    ).order_by("user__username", "person__name", "role", "pk")


def find_grantees(query: str) -> tuple[list, list[Person]]:
    """Who a role can be granted to, from what an administrator typed: a username
    (exactly), an e-mail address or employee number (exactly, any case), or a
    person's name (in part). Returns (users, people)."""
    from django.contrib.auth import get_user_model

    query = query.strip()
    if not query:
        return [], []
    users = list(get_user_model().objects.filter(username=query, is_active=True))
    people = Person.objects.filter(is_active=True).select_related("unit", "user")
    exact = list(people.filter(Q(email__iexact=query) | Q(external_id__iexact=query))[:10])
    if exact:
        return users, exact
    if users:
        return users, []
    return [], list(people.filter(name__icontains=query).order_by("name", "pk")[:10])


# --- aggregates about people ------------------------------------------------------


def active_people_per_unit() -> dict[int, int]:
    """Active people placed directly in each active unit (not counting the units below)."""
    return dict(
        Person.objects.filter(is_active=True, unit__is_active=True)
        .values_list("unit_id")
        .annotate(n=Count("id"))
        .values_list("unit_id", "n")
    )


def disclose_per_unit(
    counts: Mapping[int, int] | None = None, *, k: int | None = None
) -> Disclosure:
    """Which unit subtrees may show a figure about the people counted in `counts`.

    `counts` are the people each figure describes, placed directly in each unit
    (say, the people and teams with a trust dosing); without it, the active
    people. The decision is made once over the whole active tree, whatever page
    asks, so figures on different pages never differ for the same cell and so
    cannot be subtracted from each other. Every module's aggregate about people
    goes through here or through tillid.core.anonymity itself.
    """
    if counts is None:
        counts = active_people_per_unit()
    k = k or settings.TILLID_ANONYMITY_MIN_GROUP
    rows = list(
        Unit.objects.filter(is_active=True).order_by("depth", "pk").values_list("id", "parent_id")
    )
    ids = {uid for uid, _parent in rows}
    stray = set(counts) - ids
    if stray:
        raise ValueError(f"counts for units outside the active tree: {sorted(stray)[:5]}")
    return suppress(
        [
            GroupNode(
                id=uid, parent=parent if parent in ids else None, counts={ALL: counts.get(uid, 0)}
            )
            for uid, parent in rows
        ],
        k=k,
    )


def job_function_roles() -> QuerySet[JobFunctionRole]:
    return JobFunctionRole.objects.order_by("privilege", "role")


# --- KLE task areas ------------------------------------------------------------------


def current_kle() -> QuerySet[KLENumber]:
    """KLE numbers that are not retired, in number order."""
    return KLENumber.objects.filter(expired_on__isnull=True).order_by("number")


def search_kle(query: str, limit: int = 30) -> list[KLENumber]:
    """Current KLE numbers whose number starts with, or whose title contains, `query`."""
    query = query.strip()
    numbers = current_kle()
    if query:
        numbers = numbers.filter(Q(number__startswith=query) | Q(title__icontains=query))
    return list(numbers[:limit])


def kle_by_number(number: str) -> KLENumber | None:
    return KLENumber.objects.filter(number=number.strip()).first()


def units_tagged_with(number: str) -> list[Unit]:
    """Active units whose task areas cover `number` or lie within it, topmost only.

    A unit tagged with main group 27 covers topic 27.24.00; a unit tagged with
    topic 27.24.03 does part of group 27.24. A unit below another found unit
    is left out (binding the one above binds it too).
    """
    prefixes = [number[:2], number[:5], number[:8]]
    tags = KLENumber.objects.filter(
        Q(number__in={p for p in prefixes if p}) | Q(number__startswith=number + ".")
    )
    units = list(
        Unit.objects.filter(is_active=True, kle_numbers__in=tags).distinct().order_by("path")
    )
    kept: list[Unit] = []
    for unit in units:  # in path order: an ancestor comes before its descendants
        if not any(unit.path.startswith(k.path) for k in kept):
            kept.append(unit)
    return kept
