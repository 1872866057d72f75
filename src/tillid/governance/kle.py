"""Reads of the register by KLE task area (KL's subject classification).

An item's task area is one KLE number (main group `27`, group `27.24` or
topic `27.24.00`); grouping is by main group or group, so an item tagged with
a topic counts in its group and main group. Burden comes from the whole
register's reused inputs (`selectors.all_inputs`, which carry each item's
`kle_id`), so grouping costs no query per item.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.utils.translation import gettext as _

from tillid.governance import selectors
from tillid.governance.burden import Burden, hours_per_year
from tillid.organisation.models import KLENumber, Unit
from tillid.organisation.selectors import units_tagged_with

LEVELS = {"main_group": 2, "group": 5}
NO_AREA = ""


def _numbers() -> dict[int, str]:
    return dict(KLENumber.objects.values_list("pk", "number"))


def item_areas(kle_ids: dict[int, int | None], numbers: dict[int, str] | None = None) -> dict:
    """Item id → its KLE number ("" for none), from `all_inputs().extra["kle_id"]`."""
    numbers = _numbers() if numbers is None else numbers
    return {
        pk: numbers.get(kle_id, NO_AREA) if kle_id else NO_AREA for pk, kle_id in kle_ids.items()
    }


def restrict(result: "selectors.RegisterResult", prefix: str) -> "selectors.RegisterResult":
    """The register result cut to items whose KLE number is `prefix` or lies within it."""
    prefix = prefix.strip()
    if not prefix:
        return result
    areas = item_areas(result.inputs.extra["kle_id"])
    ids = [pk for pk in result.ids if _within(areas.get(pk, NO_AREA), prefix)]
    inputs, cost = result.inputs, result.cost
    hours = sum(
        hours_per_year(inputs.mpp[pk], inputs.people(pk)) for pk in ids if pk in result.in_force
    )
    kept = set(ids)
    freed = {pk: m for pk, m in result.freed_minutes.items() if pk in kept}
    freed_hours = sum(hours_per_year(m, inputs.people(pk)) for pk, m in freed.items())
    return selectors.RegisterResult(
        ids=ids,
        total=Burden(0.0, 0.0, hours, hours * cost),
        inputs=inputs,
        cost=cost,
        in_force=result.in_force,
        freed_minutes=freed,
        freed_total=Burden(0.0, 0.0, freed_hours, freed_hours * cost),
    )


def _within(number: str, prefix: str) -> bool:
    return number == prefix or number.startswith(prefix + ".")


@dataclass
class AreaRow:
    number: str  # "" for items without a task area
    title: str
    count: int
    burden: Burden


def _rows(groups: dict[str, list[float]], level: str, cost: float) -> list[AreaRow]:
    titles = dict(
        KLENumber.objects.filter(number__in=[n for n in groups if n]).values_list("number", "title")
    )
    rows = [
        AreaRow(
            number=number,
            title=titles.get(number, "") if number else _("No task area"),
            count=int(figures[0]),
            burden=Burden(0.0, 0.0, figures[1], figures[1] * cost),
        )
        for number, figures in groups.items()
    ]
    # Heaviest first; the items without a task area last.
    rows.sort(key=lambda r: (r.number == NO_AREA, -r.burden.hours, r.number))
    return rows


def by_area(ids, inputs, cost: float, level: str = "main_group") -> list[AreaRow]:
    """Count and burden of the given items per task area (main group or group)."""
    width = LEVELS.get(level, 2)
    areas = item_areas(inputs.extra["kle_id"])
    groups: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    for pk in ids:
        number = areas.get(pk, NO_AREA)
        key = number[:width] if len(number) >= width else number
        group = groups[key]
        group[0] += 1
        group[1] += hours_per_year(inputs.mpp[pk], inputs.people(pk))
    return _rows(groups, level, cost)


def register_by_area(
    result: "selectors.RegisterResult", level: str = "main_group"
) -> list[AreaRow]:
    """The register's matching items in force grouped by task area."""
    ids = [pk for pk in result.ids if pk in result.in_force]
    return by_area(ids, result.inputs, result.cost, level)


def onion_by_area(level: str = "main_group") -> list[AreaRow]:
    """Burden of all governance in force per task area, for the onion page."""
    data = selectors.all_inputs()
    in_force = selectors.in_force_ids(data)
    ids = [pk for pk in data.mpp if pk in in_force]
    return by_area(ids, data, selectors.hourly_cost(), level)


def area_choices() -> list[tuple[str, str]]:
    """Main groups and groups that some item belongs to, for the register's filter."""
    used = set(
        KLENumber.objects.filter(governance_items__isnull=False)
        .values_list("number", flat=True)
        .distinct()
    )
    wanted = {n[:2] for n in used} | {n[:5] for n in used if len(n) >= 5}
    return [
        (number, f"{number} {title}")
        for number, title in KLENumber.objects.filter(number__in=wanted)
        .order_by("number")
        .values_list("number", "title")
    ]


def suggested_units(number: str) -> list[Unit]:
    """Units that the governance of a task area probably binds: those tagged with it."""
    return units_tagged_with(number) if number else []
