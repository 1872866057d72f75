"""Reads of the organisation: the tree, headcounts, people.

`Tree` and `unit_tree` are the organisation's structure with headcounts, read
once per request; governance, compass and the headcount pages all use them.
A user's effective grants are the permission module's own business
(`permissions.effective_grants`).
"""

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Q, QuerySet

from tillid.core.anonymity import ALL, Disclosure, GroupNode, suppress
from tillid.organisation.models import JobFunctionRole, KLENumber, Person, RoleGrant, Unit
from tillid.organisation.permissions import Perm, scope_for


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


def person_by_reference(user, reference: str) -> Person | None:
    """An active person whose e-mail or employee number is `reference`, among those
    `user` may see (so a lookup reveals no one outside the user's scope)."""
    reference = reference.strip()
    if not reference:
        return None
    scope = scope_for(user, Perm.VIEW_PEOPLE)
    return (
        Person.objects.filter(is_active=True, unit__is_active=True)
        .filter(scope.unit_q("unit__"))
        .filter(Q(email__iexact=reference) | Q(external_id=reference))
        .select_related("unit")
        .order_by("pk")
        .first()
    )


# --- the organisation tree, once per request -------------------------------


@dataclass
class Tree:
    paths: dict[int, str]
    parents: dict[int, int | None]
    totals: dict[int, int]  # headcount of each unit's subtree
    direct: dict[int, int]  # people placed directly in the unit

    _ancestors: dict[int, tuple[int, ...]] = field(default_factory=dict)
    _strict: dict[int, frozenset[int]] = field(default_factory=dict)

    def ancestors_or_self(self, unit_id: int) -> tuple[int, ...]:
        found = self._ancestors.get(unit_id)
        if found is None:
            path = self.paths.get(unit_id, "")
            found = tuple(int(p) for p in path.strip("/").split("/") if p)
            self._ancestors[unit_id] = found
        return found

    def strict_ancestors(self, unit_id: int) -> frozenset[int]:
        found = self._strict.get(unit_id)
        if found is None:
            found = frozenset(self.ancestors_or_self(unit_id)[:-1])
            self._strict[unit_id] = found
        return found

    def maximal(self, unit_ids) -> list[int]:
        """The bound units that are not below another bound unit."""
        paths = self.paths
        chosen = [u for u in unit_ids if u in paths]
        if len(chosen) < 2:
            return chosen
        chosen_set = set(chosen)
        return [u for u in chosen if not (self.strict_ancestors(u) & chosen_set)]

    def people(self, unit_ids) -> int:
        # The hot loop of every register read: `maximal` inlined.
        paths, totals = self.paths, self.totals
        chosen = [u for u in unit_ids if u in paths]
        if len(chosen) < 2:
            return totals.get(chosen[0], 0) if chosen else 0
        strict = self.strict_ancestors
        if len(chosen) == 2:  # the common case, without sets
            a, b = chosen
            if a in strict(b):
                return totals.get(a, 0)
            if b in strict(a):
                return totals.get(b, 0)
            return totals.get(a, 0) + totals.get(b, 0)
        chosen_set = set(chosen)
        return sum(totals.get(u, 0) for u in chosen if strict(u).isdisjoint(chosen_set))

    def people_within(self, unit_ids, unit_id: int) -> int:
        """People bound by units `unit_ids` who work in `unit_id` or below it."""
        path = self.paths.get(unit_id)
        if path is None:
            return 0
        mine = set(self.ancestors_or_self(unit_id))
        maximal = self.maximal(unit_ids)
        if any(u in mine for u in maximal):
            return self.totals.get(unit_id, 0)
        return sum(
            self.totals.get(u, 0)
            for u in maximal
            if self.paths[u].startswith(path) and u != unit_id
        )


def unit_tree() -> Tree:
    rows = list(
        Unit.objects.filter(is_active=True).order_by("depth").values_list("id", "parent_id", "path")
    )
    totals = headcounts()
    paths = {uid: path for uid, _parent, path in rows}
    parents: dict[int, int | None] = {uid: parent for uid, parent, _path in rows}
    direct = {uid: totals.get(uid, 0) for uid in paths}
    for uid, parent in parents.items():
        if parent in direct:
            direct[parent] -= totals.get(uid, 0)
    tree = Tree(paths=paths, parents=parents, totals=totals, direct=direct)
    # Ancestors top-down (parents come first in depth order): one pass, no path parsing.
    empty: frozenset[int] = frozenset()
    for uid, parent, _path in rows:
        above = tree._strict.get(parent, empty) if parent in paths else empty
        tree._strict[uid] = above | {parent} if parent in paths else empty
    return tree
