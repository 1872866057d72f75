"""Documentation neutrality: burden added and removed since the baseline."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from tillid.governance.burden import Burden
from tillid.governance.models import BalanceBaseline, Item, Review, ReviewStatus
from tillid.governance.selectors.engine import _bundle, hourly_cost, item_figures, sum_burdens
from tillid.governance.selectors.stamp import current_tree
from tillid.organisation.models import Unit

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
    tree = current_tree()
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
    first_before: dict[int, float] = {}
    for r in (
        Review.objects.filter(item_id__in=[i.pk for i in new_items])
        .exclude(minutes_before__isnull=True)
        .order_by("decided_on", "pk")
    ):
        first_before.setdefault(r.item_id, float(r.minutes_before or 0))

    def people(item_id: int):
        fig = figures[item_id]
        if unit is None:
            return fig.burden.people
        return tree.people_within(fig.unit_ids, unit.pk) * fig.share_factor

    added_rows: list[dict[str, Any]] = []
    removed_rows: list[dict[str, Any]] = []
    for item in new_items:
        mpp = first_before.get(item.pk, figures[item.pk].burden.minutes_per_person)
        p = people(item.pk)
        if p and mpp:
            added_rows.append(
                {"item": item, "date": item.introduced_on, "burden": _bundle(mpp, p, cost)}
            )
    for review in decided:
        p = people(review.item_id)
        delta = float(review.minutes_before or 0) - float(review.minutes_after or 0)
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
