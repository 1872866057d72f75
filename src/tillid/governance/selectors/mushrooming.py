"""Mushrooming signals: growth per layer, controls of controls, likely duplicates,
governance added since an area's last review, and decisions counted."""

from collections import defaultdict
from datetime import date
from typing import Any

from django.db.models import Count

from tillid.governance import similarity
from tillid.governance.models import Item, Layer, Review, ReviewStatus
from tillid.governance.selectors.engine import ZERO, _unit_ids_of, active_items, item_figures
from tillid.governance.selectors.stamp import current_tree
from tillid.organisation.models import Unit

# --- mushrooming -------------------------------------------------------------------


def growth_by_layer() -> list[dict]:
    """Per year and layer: items in force at the year's end and their current burden."""
    items = list(Item.objects.only("pk", "layer", "introduced_on", "ended_on"))
    if not items:
        return []
    figures = item_figures(Item.objects.all())
    first = min(i.introduced_on.year for i in items)
    last = date.today().year
    rows: list[dict[str, Any]] = []
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
    rows: list[dict[str, Any]] = []
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
    tree = current_tree()
    titles = dict(active_items().values_list("pk", "title"))
    units = _unit_ids_of(active_items())

    def overlap(a: int, b: int) -> bool:
        pa = [tree.paths[u] for u in units.get(a, []) if u in tree.paths]
        pb = [tree.paths[u] for u in units.get(b, []) if u in tree.paths]
        return any(x.startswith(y) or y.startswith(x) for x in pa for y in pb)

    rows: list[dict[str, Any]] = [
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
    tree = current_tree()
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
            if decided_on is not None and (aid not in last_review or decided_on > last_review[aid]):
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
