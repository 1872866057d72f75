"""Burden per unit and per layer and kind: the onion of a unit or the organisation."""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from tillid.governance.burden import Burden, hours_per_year
from tillid.governance.models import Item, Kind, Layer
from tillid.governance.selectors.engine import (
    ZERO,
    _bundle,
    active_items,
    hourly_cost,
    item_figures,
    sum_burdens,
)
from tillid.governance.selectors.in_force import in_force_ids
from tillid.governance.selectors.stamp import all_inputs, current_tree, per_stamp
from tillid.organisation.models import Unit
from tillid.organisation.selectors import Tree


def unit_totals(tree: Tree | None = None, figures: dict | None = None) -> dict[int, Burden]:
    """Burden of all active governance binding each unit, inherited from above.

    Each unit gets the minutes per person of the items that bind it or one of
    its ancestors; a subtree's total adds its units' people × those minutes.
    One pass over the tree, whatever the number of items. For the whole
    register today (no arguments) it is reused while the burden stamp holds.
    """
    if tree is None and figures is None:
        key = f"unit_totals:{timezone.localdate().isoformat()}:{hourly_cost()}"
        return per_stamp(key, lambda: _unit_totals(current_tree(), None))
    return _unit_totals(tree or current_tree(), figures)


def _unit_totals(tree: Tree, figures: dict | None) -> dict[int, Burden]:
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
    tree = tree or current_tree()
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
    in_force = in_force_ids(data)
    sums = {
        field: {key: [0, ZERO, ZERO] for key in choices.values}
        for field, choices in (("layer", Layer), ("kind", Kind))
    }
    layer_of, kind_of = data.extra["layer"], data.extra["kind"]
    count = 0
    for pk, mpp in data.mpp.items():
        if pk not in in_force:
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
