"""The register list: matching items in order, with their burden, and an item's parts."""

from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from tillid.governance.burden import Burden, from_minutes, hours_per_year
from tillid.governance.models import OPEN_REVIEW_STATUSES, Activity, Item, Review
from tillid.governance.selectors.engine import (
    ZERO,
    BurdenInputs,
    ItemFigures,
    _stream,
    _unit_ids_of,
    hourly_cost,
)
from tillid.governance.selectors.in_force import (
    freed_minutes_by_item,
    in_force_ids,
    in_force_items,
)
from tillid.governance.selectors.stamp import all_inputs
from tillid.organisation.models import Unit

# --- the register list -------------------------------------------------------


@dataclass
class RegisterResult:
    """The register's matching items in order, with their burden made on demand."""

    ids: list[int]  # the matching items, in the order asked for
    total: Burden  # of the matching items in force, not just one page
    inputs: BurdenInputs
    cost: float
    in_force: set[int]  # of all items (selectors.in_force)
    freed_minutes: dict[int, float]  # per item, by decisions in force
    freed_total: Burden  # hours freed by decisions in force on the matching items

    @property
    def count_in_force(self) -> int:
        return sum(1 for pk in self.ids if pk in self.in_force)

    def burden(self, pk: int) -> Burden:
        """The item's burden as it is now (a removed item's as it was when it ended)."""
        return from_minutes(self.inputs.mpp[pk], self.inputs.people(pk), self.cost)

    def is_in_force(self, pk: int) -> bool:
        return pk in self.in_force

    def freed(self, pk: int) -> Burden | None:
        """Hours a year freed by the item's decisions in force, or None if none freed any."""
        minutes = self.freed_minutes.get(pk)
        if not minutes:
            return None
        return from_minutes(minutes, self.inputs.people(pk), self.cost)

    def figures(self, ids: list[int]) -> dict[int, ItemFigures]:
        """Full figures (with the bound units) of a few items, e.g. one page: one query."""
        units = _unit_ids_of(Item.objects.filter(pk__in=ids))
        return {pk: self.inputs.figures(pk, self.cost, units.get(pk, [])) for pk in ids}


def register(
    *,
    query: str = "",
    layer: str = "",
    kind: str = "",
    unit: Unit | None = None,
    status: str = "",
    min_hours: float | None = None,
    max_hours: float | None = None,
    sort: str = "burden",
) -> RegisterResult:
    """The matching items in order, their burden figures and their total burden.

    Every matching item's burden is needed (to sort by it and to total it), so
    it is computed from a few grouped queries without an object per item; the
    page itself builds figures only for the rows it shows.
    """
    items = Item.objects.all()
    if query:
        items = items.filter(
            Q(title__icontains=query)
            | Q(description__icontains=query)
            | Q(reference__iexact=query)
            | Q(owner__icontains=query)
        )
    if layer:
        items = items.filter(layer=layer)
    if kind:
        items = items.filter(kind=kind)
    if unit is not None:
        items = items.filter(
            Q(units__in=[*unit.ancestor_ids, unit.pk]) | Q(units__path__startswith=unit.path)
        ).distinct()
    if status == "review":
        items = items.filter(
            Exists(Review.objects.filter(item=OuterRef("pk"), status__in=OPEN_REVIEW_STATUSES))
        )
    elif status:
        items = items.filter(status=status)
    # The matching ids (and only the column the order needs; a date is read as
    # text on SQLite, which orders like the date itself, ISO format); their
    # burden comes from the whole register's reused inputs.
    extra = {"title": "title", "introduced": "introduced_on"}.get(sort)
    data = all_inputs()
    people, mpp = data.people, data.mpp
    ids: list[int] = []
    column: dict[int, Any] = {}
    if extra:
        for pk, value in _stream(items.order_by().values_list("pk", extra)):
            ids.append(pk)
            column[pk] = value
    elif items.query.where:
        ids = [pk for (pk,) in _stream(items.order_by().values_list("pk"))]
    else:
        ids = list(mpp)
    # An item written by someone else since the inputs were read is left out
    # of this one answer rather than failing it.
    # An item that is no longer in force weighs nothing: it sorts, filters and
    # totals by the burden in force (its freed hours are shown instead).
    in_force = in_force_ids(data)
    hours = {
        pk: hours_per_year(mpp[pk], people(pk)) if pk in in_force else ZERO
        for pk in ids
        if pk in mpp
    }
    if len(hours) != len(ids):
        ids = [pk for pk in ids if pk in hours]
    if min_hours is not None:
        ids = [pk for pk in ids if hours[pk] >= min_hours]
    if max_hours is not None:
        ids = [pk for pk in ids if hours[pk] <= max_hours]
    # Ties go by id: sort by id first, then by the key (Python's sort is stable,
    # also in reverse), so no tuple is made per item.
    if sort == "title":
        ids.sort()
        ids.sort(key=lambda pk: column[pk].lower())
    elif sort == "introduced":
        ids.sort(reverse=True)
        ids.sort(key=column.__getitem__, reverse=True)
    elif sort == "burden_asc":
        ids.sort()
        ids.sort(key=hours.__getitem__)
    else:
        ids.sort()
        ids.sort(key=hours.__getitem__, reverse=True)
    cost = hourly_cost()
    total_hours = total_dkk = ZERO
    for pk in ids:
        total_hours += hours[pk]
        total_dkk += hours[pk] * cost
    freed = freed_minutes_by_item(ids)
    freed_hours = sum((hours_per_year(m, people(pk)) for pk, m in freed.items()), ZERO)
    return RegisterResult(
        ids=ids,
        total=Burden(ZERO, ZERO, total_hours, total_dkk),
        inputs=data,
        cost=cost,
        in_force=in_force,
        freed_minutes=freed,
        freed_total=Burden(ZERO, ZERO, freed_hours, freed_hours * cost),
    )


def items_in_order(ids: list[int]) -> list[Item]:
    by_id = Item.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def all_items_for_choice() -> QuerySet[Item]:
    return in_force_items().order_by("title")


def governance_choices(*, active_only: bool = True) -> list[tuple[int, str]]:
    """(id, title) of the items a trial may suspend or change, by title."""
    items = all_items_for_choice() if active_only else Item.objects.order_by("title")
    return list(items.values_list("pk", "title"))


def current_activities(item: Item) -> QuerySet[Activity]:
    return item.activities.filter(retired_on__isnull=True)


def retired_activities(item: Item) -> QuerySet[Activity]:
    return item.activities.filter(retired_on__isnull=False).order_by("-retired_on", "pk")


def control_chain(item: Item, limit: int = 20) -> list[Item]:
    """The items this item controls, step by step (control of control)."""
    chain: list[Item] = []
    seen, current = {item.pk}, item.controls
    while current is not None and current.pk not in seen and len(chain) < limit:
        chain.append(current)
        seen.add(current.pk)
        current = current.controls
    return chain
