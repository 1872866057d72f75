"""Reads of the governance register: burden totals, assessments, balance, signals.

Burden is derived by `tillid.governance.burden.burden` from the activity
parameters and the organisation's current headcount; the functions here only
gather the inputs in a few grouped queries (no query per item or per unit).
The inputs of the whole register are reused between requests while the
burden stamp (`models.BurdenStamp`, renewed by database triggers on every
write they depend on) is unchanged; see `all_inputs`.

An item binds the units it names and everything below them. People bound by
an item are counted once even when it names both a unit and a unit below it.
An override of the people bound is spread over the bound units in proportion
to their headcount when totals per unit are made.
"""

import random
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Avg, Count, Exists, FloatField, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Cast

from tillid.governance import similarity
from tillid.governance.burden import Burden, burden, from_minutes, hours_per_year
from tillid.governance.models import (
    OPEN_REVIEW_STATUSES,
    Activity,
    Assessment,
    BalanceBaseline,
    BurdenStamp,
    Item,
    ItemStatus,
    Kind,
    Layer,
    MeaningRelease,
    RedTapeReport,
    ReportStatus,
    Review,
    ReviewStatus,
    RoleGroup,
)
from tillid.organisation.models import Person, Unit
from tillid.organisation.permissions import Perm, scope_for
from tillid.organisation.selectors import headcounts

ZERO = 0.0


def hourly_cost() -> float:
    return float(settings.TILLID_HOURLY_COST_DKK)


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
    parents = {uid: parent for uid, parent, _path in rows}
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
    current, group = None, []

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


# --- the whole register's inputs, reused while nothing behind them changed ------

# Read with every item: what the onion and the register filter and sort on
# without another query (all are columns of the item, so the stamp covers them).
ALL_EXTRA = ("layer", "kind", "status", "kle_id")


@dataclass(frozen=True)
class _Reused:
    stamp: str
    inputs: BurdenInputs


_reused: _Reused | None = None
_reused_lock = threading.Lock()


def burden_stamp() -> str | None:
    """The current burden stamp, or None where the database keeps none (no triggers)."""
    if connections[Item.objects.db].vendor not in ("postgresql", "sqlite"):
        return None
    return BurdenStamp.objects.filter(pk=1).values_list("token", flat=True).first()


def all_inputs() -> BurdenInputs:
    """Burden inputs of every item (with ALL_EXTRA), computed once per burden stamp.

    One query when nothing changed since the last call in this process.
    Otherwise they are computed afresh and kept under the stamp read *before*
    computing: a write committed meanwhile renews the stamp, so inputs that
    may predate it are never matched again. Inputs computed inside a
    transaction that is later rolled back are kept under a token nobody else
    ever sees (tokens are random).
    """
    global _reused
    stamp = burden_stamp()
    reused = _reused
    if stamp is not None and reused is not None and reused.stamp == stamp:
        return reused.inputs
    inputs = burden_inputs(Item.objects.all(), unit_tree(), extra=ALL_EXTRA)
    if stamp is not None:
        with _reused_lock:
            _reused = _Reused(stamp, inputs)
    return inputs


def forget_inputs() -> None:
    """Drop the reused inputs of this process (tests; a changed hourly cost needs no call)."""
    global _reused
    with _reused_lock:
        _reused = None


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
    units = data.units
    return {pk: data.figures(pk, cost, units.get(pk, [])) for pk in data.mpp}


def item_burden(item: Item) -> ItemFigures:
    return item_figures(Item.objects.filter(pk=item.pk))[item.pk]


def active_items() -> QuerySet[Item]:
    return Item.objects.exclude(status=ItemStatus.REMOVED)


def sum_burdens(burdens) -> Burden:
    hours = dkk = ZERO
    for b in burdens:
        hours += b.hours
        dkk += b.dkk
    return Burden(minutes_per_person=ZERO, people=ZERO, hours=hours, dkk=dkk)


def _bundle(minutes_per_person: float, people, cost: float) -> Burden:
    """Burden of a bundle of items sharing the same people (linearity of burden)."""
    return burden(activities=[(minutes_per_person, 1)], people=people, hourly_cost=cost)


def unit_totals(tree: Tree | None = None, figures: dict | None = None) -> dict[int, Burden]:
    """Burden of all active governance binding each unit, inherited from above.

    Each unit gets the minutes per person of the items that bind it or one of
    its ancestors; a subtree's total adds its units' people × those minutes.
    One pass over the tree, whatever the number of items.
    """
    tree = tree or unit_tree()
    figures = item_figures(active_items(), tree) if figures is None else figures
    cost = hourly_cost()
    load: dict[int, float] = defaultdict(float)
    for fig in figures.values():
        factor = fig.share_factor
        if not factor:
            continue
        for unit_id in tree.maximal(fig.unit_ids):
            load[unit_id] += fig.burden.minutes_per_person * factor
    # Cumulative minutes per person for each unit (its own plus its ancestors').
    cumulative = {
        uid: sum((load.get(a, ZERO) for a in tree.ancestors_or_self(uid)), ZERO)
        for uid in tree.paths
    }
    minutes_total: dict[int, float] = defaultdict(float)
    for uid, direct in tree.direct.items():
        if not direct:
            continue
        own = cumulative[uid] * direct
        for a in tree.ancestors_or_self(uid):
            minutes_total[a] += own
    return {uid: _bundle(minutes_total.get(uid, ZERO), 1, cost) for uid in tree.paths}


@dataclass
class UnitItemRow:
    item: Item
    people: float
    burden: Burden
    relation: str  # "here", "above", "below"


def unit_items(unit: Unit, tree: Tree | None = None) -> list[UnitItemRow]:
    """Every active item binding people in `unit`, with the unit's share, largest first."""
    tree = tree or unit_tree()
    above = set(tree.ancestors_or_self(unit.pk))
    items = (
        active_items().filter(Q(units__in=above) | Q(units__path__startswith=unit.path)).distinct()
    )
    figures = item_figures(items, tree)
    cost = hourly_cost()
    rows = []
    for item in items:
        fig = figures[item.pk]
        maximal = tree.maximal(fig.unit_ids)
        if unit.pk in maximal:
            relation = "here"
        elif any(u in above for u in maximal):
            relation = "above"
        else:
            relation = "below"
        people = tree.people_within(fig.unit_ids, unit.pk) * fig.share_factor
        rows.append(
            UnitItemRow(
                item=item,
                people=people,
                burden=_bundle(fig.burden.minutes_per_person, people, cost),
                relation=relation,
            )
        )
    rows.sort(key=lambda r: (-r.burden.hours, r.item.title))
    return rows


def totals_by(burdens: dict[int, Burden], pairs: list[tuple[int, str]], choices) -> list[dict]:
    """Count and burden per layer or kind, in the order of the choices.

    `pairs` are (item id, layer or kind); `burdens` maps item id to burden.
    """
    groups: dict[str, list[Burden]] = defaultdict(list)
    for pk, key in pairs:
        groups[key].append(burdens[pk])
    return [
        {
            "key": key,
            "label": label,
            "count": len(groups.get(key, [])),
            "burden": sum_burdens(groups.get(key, [])),
        }
        for key, label in choices
    ]


def onion(unit: Unit | None = None, rows: list["UnitItemRow"] | None = None) -> dict:
    """Count and burden per layer (and kind) for the organisation or one unit."""
    if unit is None:
        return _organisation_onion()
    rows = unit_items(unit) if rows is None else rows
    burdens = {r.item.pk: r.burden for r in rows}
    found = [(r.item.pk, r.item.layer, r.item.kind) for r in rows]
    layers = totals_by(burdens, [(pk, layer) for pk, layer, _k in found], Layer.choices)
    kinds = totals_by(burdens, [(pk, kind) for pk, _l, kind in found], Kind.choices)
    return {
        "layers": layers,
        "kinds": kinds,
        "total": sum_burdens(row["burden"] for row in layers),
        "count": len(found),
    }


def _organisation_onion() -> dict:
    """`onion()` for all active items: the same sums, without an object per item."""
    cost = hourly_cost()
    data = all_inputs()
    removed = ItemStatus.REMOVED
    status_of = data.extra["status"]
    sums = {
        field: {key: [0, ZERO, ZERO] for key in choices.values}
        for field, choices in (("layer", Layer), ("kind", Kind))
    }
    layer_of, kind_of = data.extra["layer"], data.extra["kind"]
    count = 0
    for pk, mpp in data.mpp.items():
        if status_of[pk] == removed:
            continue
        count += 1
        hours = hours_per_year(mpp, data.people(pk))
        for group in (sums["layer"].get(layer_of[pk]), sums["kind"].get(kind_of[pk])):
            if group is not None:
                group[0] += 1
                group[1] += hours
                group[2] += hours * cost

    def rows(field: str, choices) -> list[dict]:
        return [
            {
                "key": key,
                "label": label,
                "count": sums[field][key][0],
                "burden": Burden(ZERO, ZERO, sums[field][key][1], sums[field][key][2]),
            }
            for key, label in choices
        ]

    layers = rows("layer", Layer.choices)
    return {
        "layers": layers,
        "kinds": rows("kind", Kind.choices),
        "total": sum_burdens(row["burden"] for row in layers),
        "count": count,
    }


# --- the register list -------------------------------------------------------


@dataclass
class RegisterResult:
    """The register's matching items in order, with their burden made on demand."""

    ids: list[int]  # the matching items, in the order asked for
    total: Burden  # of all the matching items, not just one page
    inputs: BurdenInputs
    cost: float

    def burden(self, pk: int) -> Burden:
        return from_minutes(self.inputs.mpp[pk], self.inputs.people(pk), self.cost)

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
    column: dict[int, object] = {}
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
    hours = {pk: hours_per_year(mpp[pk], people(pk)) for pk in ids if pk in mpp}
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
    return RegisterResult(
        ids=ids,
        total=Burden(ZERO, ZERO, total_hours, total_dkk),
        inputs=data,
        cost=cost,
    )


def items_in_order(ids: list[int]) -> list[Item]:
    by_id = Item.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def all_items_for_choice() -> QuerySet[Item]:
    return Item.objects.exclude(status=ItemStatus.REMOVED).order_by("title")


def current_activities(item: Item) -> QuerySet[Activity]:
    return item.activities.filter(retired_on__isnull=True)


def retired_activities(item: Item) -> QuerySet[Activity]:
    return item.activities.filter(retired_on__isnull=False).order_by("-retired_on", "pk")


def control_chain(item: Item, limit: int = 20) -> list[Item]:
    """The items this item controls, step by step (control of control)."""
    chain, seen, current = [], {item.pk}, item.controls
    while current is not None and current.pk not in seen and len(chain) < limit:
        chain.append(current)
        seen.add(current.pk)
        current = current.controls
    return chain


# --- meaningfulness ------------------------------------------------------------


QUESTIONS = ("professional", "learning", "involving", "meaningful")


@dataclass
class Meaning:
    respondents: int
    shown: bool
    means: dict[str, float] = field(default_factory=dict)
    overall: float | None = None
    classification: str = "unknown"  # "with", "mixed", "against", "unknown"


def classify(overall: float | None) -> str:
    """Trust and governance as partners or opponents (Bentzen 2018: 64)."""
    if overall is None:
        return "unknown"
    if overall >= 3.5:
        return "with"
    if overall < 2.5:
        return "against"
    return "mixed"


def meaning(item_ids) -> dict[int, Meaning]:
    """Published assessment figures per item, shown from k respondents.

    The figures are those of the item's last release (models.MeaningRelease),
    renewed in batches of k people so that no two versions differ by one answer.
    """
    k = settings.TILLID_ANONYMITY_MIN_GROUP
    result = {}
    for release in MeaningRelease.objects.filter(item_id__in=item_ids):
        means = {q: getattr(release, q) for q in QUESTIONS}
        if release.respondents >= k and all(v is not None for v in means.values()):
            overall = sum(means.values()) / len(QUESTIONS)
            result[release.item_id] = Meaning(
                release.respondents, True, means, overall, classify(overall)
            )
        else:
            result[release.item_id] = Meaning(0, False)
    return result


def meaning_for(item: Item) -> Meaning:
    return meaning([item.pk]).get(item.pk, Meaning(0, False))


def comments(item: Item) -> list[str]:
    """Published comments in random order, without dates, from a large enough group."""
    release = MeaningRelease.objects.filter(item=item).first()
    if release is None or not release.comments_released:
        return []
    texts = list(release.comments)
    random.SystemRandom().shuffle(texts)
    return texts


def assessment_figures(item_id: int) -> dict:
    """The current means of an item's assessments (for publishing, never for a page)."""
    row = Assessment.objects.filter(item_id=item_id).aggregate(
        n=Count("id"), **{q: Avg(q) for q in QUESTIONS}
    )
    return {"n": row["n"], **{q: None if row[q] is None else float(row[q]) for q in QUESTIONS}}


def assessment_comments(item_id: int) -> list[str]:
    """The current comments of an item's assessments (for publishing, never for a page)."""
    return list(
        Assessment.objects.filter(item_id=item_id)
        .exclude(comment="")
        .values_list("comment", flat=True)
    )


def open_report_counts(item_ids=None) -> dict[int, int]:
    qs = RedTapeReport.objects.filter(item__isnull=False).exclude(status=ReportStatus.REJECTED)
    if item_ids is not None:
        qs = qs.filter(item_id__in=item_ids)
    return dict(qs.values_list("item_id").annotate(n=Count("id")).values_list("item_id", "n"))


def ranking(limit: int | None = None) -> list[dict]:
    """Active items, high burden × low meaningfulness first; red tape reports add weight.

    friction = (5 − mean of the four answers) / 4, or ½ while too few have
    answered; priority = hours × (friction + 0.1 × reports).
    """
    figures = item_figures(active_items())
    ids = list(figures)
    meanings = meaning(ids)
    reports = open_report_counts(ids)
    rows = []
    for pk, fig in figures.items():
        m = meanings.get(pk, Meaning(0, False))
        friction = (5 - m.overall) / 4 if m.shown else 0.5
        n_reports = reports.get(pk, 0)
        rows.append(
            {
                "item_id": pk,
                "burden": fig.burden,
                "meaning": m,
                "reports": n_reports,
                "priority": fig.burden.hours * (friction + 0.1 * n_reports),
            }
        )
    rows.sort(key=lambda r: (-r["priority"], r["item_id"]))
    if limit:
        rows = rows[:limit]
    items = Item.objects.in_bulk([r["item_id"] for r in rows])
    for r in rows:
        r["item"] = items[r["item_id"]]
    return rows


def assessment_key_exists(item: Item, key: str) -> Assessment | None:
    return Assessment.objects.filter(item=item, respondent_key=key).first()


def answered_items(keys: dict[int, str]) -> set[int]:
    """Which of the items (id → the person's respondent key) the person has assessed."""
    if not keys:
        return set()
    found = Assessment.objects.filter(
        item_id__in=list(keys), respondent_key__in=list(keys.values())
    ).values_list("item_id", "respondent_key")
    return {item_id for item_id, key in found if keys.get(item_id) == key}


# --- reviews -------------------------------------------------------------------


def reviews(*, status: str = "", item: Item | None = None) -> QuerySet[Review]:
    qs = Review.objects.select_related("item")
    if status == "open":
        qs = qs.filter(status__in=OPEN_REVIEW_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    if item is not None:
        qs = qs.filter(item=item)
    return qs


def involvement(review: Review) -> list[dict]:
    """Per role group: stake, involved or not, early or late."""
    first: dict[str, object] = {}
    for p in review.participants.all():
        first.setdefault(p.role_group, p)
    rows = []
    for key, label in RoleGroup.choices:
        p = first.get(key)
        rows.append(
            {
                "key": key,
                "label": label,
                "stake": key in review.stake_groups,
                "involved": p is not None,
                "early": p is not None and p.is_early,
                "joined_on": getattr(p, "joined_on", None),
                "count": sum(1 for q in review.participants.all() if q.role_group == key),
            }
        )
    return rows


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


def reviews_for_person(person: Person) -> QuerySet[Review]:
    """Open reviews the person has been invited to."""
    return (
        Review.objects.filter(participants__person=person, status__in=OPEN_REVIEW_STATUSES)
        .select_related("item")
        .distinct()
        .order_by("-created_at", "-pk")
    )


def missing_groups(review: Review) -> list[str]:
    present = {p.role_group for p in review.participants.all()}
    labels = dict(RoleGroup.choices)
    return [str(labels[g]) for g in review.stake_groups if g not in present and g in labels]


def _changed_fields(record, previous) -> list[str]:
    """Names of the model's own fields that `record` changed since `previous`."""
    if previous is None or record.history_type != "~":
        return []
    own = {f.name for f in record.instance_type._meta.get_fields()}
    return [c.field for c in record.diff_against(previous).changes if c.field in own]


def _labels(model, names: list[str]) -> list[str]:
    return [str(model._meta.get_field(name).verbose_name) for name in names]


def history(obj, limit: int = 50) -> list[dict]:
    """Who changed what and when, from django-simple-history."""
    records = list(
        obj.history.select_related("history_user").order_by("-history_date", "-pk")[: limit + 1]
    )
    rows = []
    for i, record in enumerate(records[:limit]):
        previous = records[i + 1] if i + 1 < len(records) else None
        rows.append(
            {
                "date": record.history_date,
                "user": record.history_user,
                "type": record.history_type,
                "changed": _labels(type(obj), _changed_fields(record, previous)),
            }
        )
    return rows


def item_history(item: Item, limit: int = 50) -> list[dict]:
    """The item's history with its activities' changes woven in, newest first.

    Activity rows carry `activity` (its name) and, when a review decision
    replaced it, `replaced`.
    """
    rows = history(item, limit)
    records = (
        Activity.history.filter(item_id=item.pk)
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    previous = None
    for record in records:
        if previous is not None and previous.id != record.id:
            previous = None  # the first record of the next activity
        names = _changed_fields(record, previous)
        rows.append(
            {
                "date": record.history_date,
                "user": record.history_user,
                "type": record.history_type,
                "changed": _labels(Activity, names),
                "activity": record.name,
                "replaced": "retired_on" in names and record.retired_on is not None,
            }
        )
        previous = record
    rows.sort(key=lambda row: row["date"], reverse=True)
    return rows[:limit]


# --- documentation neutrality ------------------------------------------------


def baseline() -> date:
    row = BalanceBaseline.objects.first()
    if row is not None:
        return row.baseline_on
    return date(date.today().year, 1, 1)


@dataclass
class Balance:
    baseline_on: date
    added: Burden
    removed: Burden
    added_items: list[dict]
    removed_items: list[dict]

    @property
    def net_hours(self) -> float:
        return self.added.hours - self.removed.hours

    @property
    def net_dkk(self) -> float:
        return self.added.dkk - self.removed.dkk

    @property
    def grows(self) -> bool:
        return self.net_hours > 0


def balance(unit: Unit | None = None, since: date | None = None) -> Balance:
    """Burden added and removed since the baseline, for a unit or the organisation.

    Added: items introduced on or after the baseline, at the minutes per person
    they had before any decision; and any decision that raised the minutes.
    Removed: decisions since the baseline that lowered them (Remove to zero).
    Hours use today's headcount of the people bound within the unit.
    """
    since = since or baseline()
    tree = unit_tree()
    cost = hourly_cost()
    decided = list(
        Review.objects.filter(status=ReviewStatus.DECIDED, decided_on__gte=since)
        .exclude(minutes_before__isnull=True)
        .select_related("item")
        .order_by("decided_on", "pk")
    )
    new_items = list(Item.objects.filter(introduced_on__gte=since))
    ids = {i.pk for i in new_items} | {r.item_id for r in decided}
    figures = item_figures(Item.objects.filter(pk__in=ids), tree)
    first_before = {}
    for r in (
        Review.objects.filter(item_id__in=[i.pk for i in new_items])
        .exclude(minutes_before__isnull=True)
        .order_by("decided_on", "pk")
    ):
        first_before.setdefault(r.item_id, float(r.minutes_before))

    def people(item_id: int):
        fig = figures[item_id]
        if unit is None:
            return fig.burden.people
        return tree.people_within(fig.unit_ids, unit.pk) * fig.share_factor

    added_rows, removed_rows = [], []
    for item in new_items:
        mpp = first_before.get(item.pk, figures[item.pk].burden.minutes_per_person)
        p = people(item.pk)
        if p and mpp:
            added_rows.append(
                {"item": item, "date": item.introduced_on, "burden": _bundle(mpp, p, cost)}
            )
    for review in decided:
        p = people(review.item_id)
        delta = float(review.minutes_before) - float(review.minutes_after or 0)
        if not p or not delta:
            continue
        row = {
            "item": review.item,
            "review": review,
            "date": review.decided_on,
            "burden": _bundle(abs(delta), p, cost),
        }
        (removed_rows if delta > 0 else added_rows).append(row)
    return Balance(
        baseline_on=since,
        added=sum_burdens(r["burden"] for r in added_rows),
        removed=sum_burdens(r["burden"] for r in removed_rows),
        added_items=added_rows,
        removed_items=removed_rows,
    )


# --- red tape ---------------------------------------------------------------------


def report_queue(*, scope, status: str = "") -> QuerySet[RedTapeReport]:
    qs = RedTapeReport.objects.select_related("item", "review", "unit")
    if not scope.everything:
        qs = qs.filter(scope.unit_q("unit__"))
    if status:
        qs = qs.filter(status=status)
    return qs


def reports_of(user) -> QuerySet[RedTapeReport]:
    return RedTapeReport.objects.filter(reporter=user).select_related("item")


def report_by_code_hash(code_hash: str) -> RedTapeReport | None:
    if not code_hash:
        return None
    return RedTapeReport.objects.filter(follow_up_hash=code_hash).select_related("item").first()


# --- mushrooming -------------------------------------------------------------------


def growth_by_layer() -> list[dict]:
    """Per year and layer: items in force at the year's end and their current burden."""
    items = list(Item.objects.only("pk", "layer", "introduced_on", "ended_on"))
    if not items:
        return []
    figures = item_figures(Item.objects.all())
    first = min(i.introduced_on.year for i in items)
    last = date.today().year
    rows = []
    for year in range(first, last + 1):
        end = date(year, 12, 31)
        for layer, label in Layer.choices:
            alive = [
                i
                for i in items
                if i.layer == layer
                and i.introduced_on <= end
                and (i.ended_on is None or i.ended_on > end)
            ]
            rows.append(
                {
                    "year": year,
                    "layer": layer,
                    "label": str(label),
                    "count": len(alive),
                    "hours": sum((figures[i.pk].burden.hours for i in alive), ZERO),
                }
            )
    return rows


def deep_control_chains(min_depth: int = 2) -> list[dict]:
    """Items that control an item that itself controls another (or deeper)."""
    links = dict(Item.objects.exclude(controls__isnull=True).values_list("pk", "controls_id"))
    rows = []
    for pk in links:
        chain, current, seen = [], pk, {pk}
        while current in links and links[current] not in seen:
            current = links[current]
            seen.add(current)
            chain.append(current)
        if len(chain) >= min_depth:
            rows.append({"item_id": pk, "chain_ids": chain})
    titles = dict(
        Item.objects.filter(
            pk__in={i for r in rows for i in [r["item_id"], *r["chain_ids"]]}
        ).values_list("pk", "title")
    )
    for r in rows:
        r["title"] = titles[r["item_id"]]
        r["chain"] = [(i, titles[i]) for i in r["chain_ids"]]
        r["depth"] = len(r["chain_ids"])
    rows.sort(key=lambda r: (-r["depth"], r["title"]))
    return rows


def likely_duplicates(threshold: float = similarity.THRESHOLD, limit: int = 200) -> list[dict]:
    """Pairs of active items with alike titles (Danish stems and compounds, see
    similarity.py) that bind overlapping units."""
    tree = unit_tree()
    titles = dict(active_items().values_list("pk", "title"))
    units = _unit_ids_of(active_items())

    def overlap(a: int, b: int) -> bool:
        pa = [tree.paths[u] for u in units.get(a, []) if u in tree.paths]
        pb = [tree.paths[u] for u in units.get(b, []) if u in tree.paths]
        return any(x.startswith(y) or y.startswith(x) for x in pa for y in pb)

    rows = [
        {"a": (a, titles[a]), "b": (b, titles[b]), "similarity": round(score * 100)}
        for a, b, score in similarity.similar_pairs(titles, threshold=threshold)
        if overlap(a, b)
    ]
    rows.sort(key=lambda r: (-r["similarity"], r["a"][1]))
    return rows[:limit]


def added_since_last_review() -> list[dict]:
    """Per area: items introduced after the area's last decided review."""
    areas = list(Unit.objects.filter(is_active=True, kind="area").order_by("name"))
    if not areas:
        return []
    area_paths = {a.pk: a.path for a in areas}
    tree = unit_tree()
    units = _unit_ids_of(Item.objects.all())
    item_rows = list(active_items().values_list("pk", "title", "introduced_on"))

    def areas_of(item_id: int) -> set[int]:
        found = set()
        for u in units.get(item_id, []):
            path = tree.paths.get(u)
            if not path:
                continue
            for aid, apath in area_paths.items():
                if path.startswith(apath) or apath.startswith(path):
                    found.add(aid)
        return found

    last_review: dict[int, date] = {}
    for item_id, decided_on in Review.objects.filter(
        status__in=[ReviewStatus.DECIDED, ReviewStatus.ESCALATED], decided_on__isnull=False
    ).values_list("item_id", "decided_on"):
        for aid in areas_of(item_id):
            if aid not in last_review or decided_on > last_review[aid]:
                last_review[aid] = decided_on
    per_area: dict[int, list] = defaultdict(list)
    for pk, title, introduced in item_rows:
        for aid in areas_of(pk):
            since = last_review.get(aid)
            if since is not None and introduced > since:
                per_area[aid].append({"item_id": pk, "title": title, "introduced_on": introduced})
    return [
        {
            "area": a,
            "last_review": last_review.get(a.pk),
            "items": sorted(per_area.get(a.pk, []), key=lambda r: r["introduced_on"]),
        }
        for a in areas
    ]


def decision_counts() -> dict[str, int]:
    return dict(
        Review.objects.exclude(decision="")
        .values_list("decision")
        .annotate(n=Count("id"))
        .values_list("decision", "n")
    )
