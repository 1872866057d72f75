"""Burden figures of items: the few grouped queries behind every burden read.

Burden is derived by `tillid.governance.burden` from the activity parameters
and the organisation's current headcount (`organisation.selectors.unit_tree`);
the functions here gather the inputs without a query per item or per unit.
Minutes x occurrences is summed in SQL (`_product`, the fast path); a test
holds it equal to `burden.minutes_per_person`.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import FloatField, QuerySet, Sum
from django.db.models.functions import Cast

from tillid.governance.burden import Burden, burden, from_minutes
from tillid.governance.models import Activity, Item
from tillid.governance.selectors.in_force import in_force_items
from tillid.organisation.selectors import Tree, unit_tree

ZERO = 0.0


def hourly_cost() -> float:
    return float(settings.TILLID_HOURLY_COST_DKK)


# --- burden of items ---------------------------------------------------------


@dataclass(slots=True)
class ItemFigures:
    item_id: int
    unit_ids: list[int]
    natural_people: int
    override: int | None
    burden: Burden

    @property
    def share_factor(self) -> float:
        """How an override scales the headcount of the bound units."""
        if self.override is None:
            return 1.0
        if not self.natural_people:
            return 0.0
        return self.override / self.natural_people


def _float(name: str) -> Cast:
    # Read decimals as floats in SQL: no Decimal conversion per row in Python.
    return Cast(name, FloatField())


def _product(minutes: str, occurrences: str):
    """Minutes × occurrences in SQL, as the float product `burden` would make."""
    return _float(minutes) * _float(occurrences)


def _stream(qs: QuerySet):
    """Rows of a `values_list` query straight from the cursor, one at a time.

    Only for columns that need no conversion (ids, floats, text): it skips
    Django's per-row converters, and rows not kept are freed at once, so the
    garbage collector is not set off by 20,000 tuples (it was a third of a
    register request).
    """
    try:
        sql, params = qs.query.sql_with_params()
    except EmptyResultSet:  # e.g. `pk__in=[]`: Django knows there is nothing to read
        return
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(2000):
            yield from rows


# Above this many items, activities and units are read for all items and the
# others skipped in Python: cheaper than a sub-select of thousands of ids
# (e.g. the onion's active items, nearly the whole register).
READ_ALL_ABOVE = 2000


def _restrict(items: QuerySet[Item], known: dict | None = None) -> dict:
    """Filter for rows of `items`' activities or units; none when reading them all.

    `known` is the items already read: when they are many, everything is read
    and the caller skips the rows of other items.
    """
    if not items.query.where or (known is not None and len(known) > READ_ALL_ABOVE):
        return {}
    return {"item__in": items.order_by().values("pk")}


def _bound_units(items: QuerySet[Item], known: dict | None = None):
    """(item id, unit id) rows of the items' bound units, grouped by item.

    With `known` (the items already read) rows of other items are skipped.
    """
    restrict = _restrict(items, known)
    rows = _stream(
        Item.units.through.objects.filter(**restrict)
        .order_by("item_id", "unit_id")
        .values_list("item_id", "unit_id")
    )
    if restrict or known is None or not items.query.where:
        return rows
    return (row for row in rows if row[0] in known)


def _natural_people(rows, tree: Tree, units: dict | None) -> dict[int, int]:
    """People bound by each item through its units, from `_bound_units` rows.

    A plain loop (this runs for every item on every register read); the unit
    ids of each item go into `units` when given.
    """
    natural: dict[int, int] = {}
    paths, totals, people = tree.paths, tree.totals, tree.people
    current, group = None, list[int]()

    def close():  # the unit ids of item `current` are all in `group`
        if len(group) == 1:
            natural[current] = totals.get(group[0], 0) if group[0] in paths else 0
        else:
            natural[current] = people(group)
        if units is not None:
            units[current] = group

    for item_id, unit_id in rows:
        if item_id == current:
            group.append(unit_id)
            continue
        if group:
            close()
        current, group = item_id, [unit_id]
    if group:
        close()
    return natural


@dataclass
class BurdenInputs:
    """What the burden of many items is made of, one flat dict per figure.

    Dicts of numbers and text are all the garbage collector would have to
    look at; an object per item is made only for the items shown.
    """

    mpp: dict[int, float]  # minutes per person per year, in the order of the query
    natural: dict[int, int]  # people bound through the units (items binding none: absent)
    override: dict[int, int]  # only the items with an override
    units: dict[int, list[int]] | None  # bound unit ids, when asked for
    extra: dict[str, dict]  # field → id → value

    def people(self, pk: int) -> int:
        override = self.override.get(pk)
        return self.natural.get(pk, 0) if override is None else override

    def figures(self, pk: int, cost: float, unit_ids: list[int]) -> ItemFigures:
        return ItemFigures(
            item_id=pk,
            unit_ids=unit_ids,
            natural_people=self.natural.get(pk, 0),
            override=self.override.get(pk),
            burden=from_minutes(self.mpp[pk], self.people(pk), cost),
        )


def burden_inputs(
    items: QuerySet[Item], tree: Tree, *, extra: tuple[str, ...] = (), keep_units: bool = False
) -> BurdenInputs:
    """The burden parameters of `items` in three queries: own figures, activities, units.

    Fields in `extra` are read with the items and must need no conversion
    from the database (text, ids; a date comes as text on SQLite).
    """
    mpp: dict[int, float] = {}
    override: dict[int, int] = {}
    columns: dict[str, dict] = {name: {} for name in extra}
    own = items.order_by().values_list(
        "pk", _product("minutes_per_occurrence", "occurrences_per_year"), "people_override", *extra
    )
    for row in _stream(own):
        pk = row[0]
        mpp[pk] = row[1]
        if row[2] is not None:
            override[pk] = row[2]
        for i, name in enumerate(extra, 3):
            columns[name][pk] = row[i]
    # Items with current activities: their sum replaces the item's own estimate.
    acts = (
        Activity.objects.filter(retired_on__isnull=True, **_restrict(items, mpp))
        .order_by()
        .values("item_id")
        .annotate(mpp=Sum(_product("minutes_per_occurrence", "occurrences_per_year")))
        .values_list("item_id", "mpp")
    )
    for pk, minutes in _stream(acts):
        if pk in mpp:  # else an item outside `items` (see READ_ALL_ABOVE)
            mpp[pk] = minutes
    units: dict[int, list[int]] | None = {} if keep_units else None
    natural = _natural_people(_bound_units(items, mpp), tree, units)
    return BurdenInputs(mpp=mpp, natural=natural, override=override, units=units, extra=columns)


def _unit_ids_of(items: QuerySet[Item]) -> dict[int, list[int]]:
    """Bound unit ids of `items` (those binding none are absent)."""
    units: dict[int, list[int]] = {}
    for item_id, unit_id in _bound_units(items):
        units.setdefault(item_id, []).append(unit_id)
    return units


def item_figures(items: QuerySet[Item] | None = None, tree: Tree | None = None) -> dict:
    """Burden of every item in `items` (default: all), keyed by item id."""
    items = Item.objects.all() if items is None else items
    data = burden_inputs(items, tree or unit_tree(), keep_units=True)
    cost = hourly_cost()
    units = data.units or {}
    return {pk: data.figures(pk, cost, units.get(pk, [])) for pk in data.mpp}


def item_burden(item: Item) -> ItemFigures:
    return item_figures(Item.objects.filter(pk=item.pk))[item.pk]


def active_items() -> QuerySet[Item]:
    """The items in force today (see selectors.in_force)."""
    return in_force_items()


def sum_burdens(burdens) -> Burden:
    hours = dkk = ZERO
    for b in burdens:
        hours += b.hours
        dkk += b.dkk
    return Burden(minutes_per_person=ZERO, people=ZERO, hours=hours, dkk=dkk)


def _bundle(minutes_per_person: float, people, cost: float) -> Burden:
    """Burden of a bundle of items sharing the same people (linearity of burden)."""
    return burden(activities=[(minutes_per_person, 1)], people=people, hourly_cost=cost)
