"""The register and the onion at scale: a fixed number of queries, the same figures.

The register page and the onion total every item's burden in a few grouped
queries; these tests pin that the number of queries does not grow with the
register and that the fast paths give the figures `burden()` gives item by item.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from tillid.governance import selectors
from tillid.governance.burden import burden
from tillid.governance.models import Activity, Item, ItemStatus, Kind, Layer
from tillid.organisation.testing import login

pytestmark = pytest.mark.django_db
D = Decimal


def _bulk_items(org, n: int, start: int = 0) -> None:
    """`n` items binding one, two (one below the other) or three units, some with activities."""
    unit_sets = [
        [org.team_north],
        [org.elder, org.team_south],  # nested: Team Syd lies below Ældreområdet
        [org.schools, org.team_north, org.care_home],  # Team Nord lies below the plejecenter
        [org.social, org.children],
    ]
    kinds, layers = Kind.values, Layer.values
    items = Item.objects.bulk_create(
        Item(
            reference=f"S-{start + i:05d}",
            title=f"Punkt {start + i}",
            kind=kinds[i % len(kinds)],
            layer=layers[i % len(layers)],
            introduced_on=date(2020, 1, 1) + timedelta(days=i),
            minutes_per_occurrence=D(i % 7 + 1),
            occurrences_per_year=D(i % 11 + 1),
            people_override=3 if i % 9 == 0 else None,
            status=ItemStatus.REMOVED if i % 13 == 0 else ItemStatus.ACTIVE,
        )
        for i in range(n)
    )
    through = Item.units.through
    through.objects.bulk_create(
        through(item_id=item.pk, unit_id=unit.pk)
        for i, item in enumerate(items)
        for unit in unit_sets[i % len(unit_sets)]
    )
    Activity.objects.bulk_create(
        Activity(
            item=item,
            name=f"Trin {k}",
            minutes_per_occurrence=D("2.5") * (k + 1),
            occurrences_per_year=D(12),
            retired_on=date(2024, 1, 1) if k == 2 else None,
        )
        for i, item in enumerate(items)
        if i % 3 == 0
        for k in range(3)
    )


def _register_queries(client, django_assert_max_num_queries, limit: int):
    with django_assert_max_num_queries(limit) as captured:
        response = client.get(reverse("governance:register"))
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_register_and_onion_queries_do_not_grow_with_the_register(
    client, org, roles, django_assert_max_num_queries
):
    login(client, roles.consultant)
    _bulk_items(org, 10)
    few = _register_queries(client, django_assert_max_num_queries, 20)
    with django_assert_max_num_queries(20) as captured:
        client.get(reverse("governance:onion"))
    onion_few = len(captured.captured_queries)
    _bulk_items(org, 300, start=10)
    # The same queries for 310 items as for 10: nothing per item or per row shown.
    assert _register_queries(client, django_assert_max_num_queries, few) == few
    with django_assert_max_num_queries(onion_few):
        response = client.get(reverse("governance:onion"))
    assert response.context["count"] == Item.objects.exclude(status=ItemStatus.REMOVED).count()


def _expected(item: Item, tree) -> float:
    """Hours per year of one item the plain way, through `burden()`."""
    activities = [
        (a.minutes_per_occurrence, a.occurrences_per_year)
        for a in item.activities.all()
        if a.retired_on is None
    ]
    people = item.people_override
    if people is None:
        people = tree.people([u.pk for u in item.units.all()])
    return burden(
        activities=activities,
        own_minutes=item.minutes_per_occurrence,
        own_occurrences=item.occurrences_per_year,
        people=people,
        hourly_cost=1,
    ).hours


def test_register_order_total_and_onion_match_burden_item_by_item(org):
    _bulk_items(org, 60)
    # An item binding no unit (the services refuse one; older data may hold it).
    Item.objects.create(
        reference="S-LOOSE",
        title="Uden enheder",
        kind=Kind.KPI,
        layer=Layer.COUNCIL,
        introduced_on=date(2021, 1, 1),
        minutes_per_occurrence=D(10),
        occurrences_per_year=D(10),
    )
    tree = selectors.unit_tree()
    items = list(Item.objects.prefetch_related("units", "activities"))
    # An item no longer in force weighs nothing in the register (issue 14.4).
    hours = {i.pk: _expected(i, tree) if selectors.item_in_force(i) else 0.0 for i in items}
    # Nesting is counted once: Ældreområdet + Team Syd binds Ældreområdet's people.
    nested = next(i for i in items if i.reference == "S-00001")
    assert tree.people([u.pk for u in nested.units.all()]) == tree.totals[org.elder.pk]

    result = selectors.register()
    expected_order = sorted(hours, key=lambda pk: (-hours[pk], pk))
    assert result.ids == expected_order
    assert result.total.hours == pytest.approx(sum(hours.values()))
    for pk in result.ids[:10]:
        assert result.burden(pk).hours == pytest.approx(hours[pk])
    figures = result.figures(result.ids[:5])
    assert {pk: sorted(f.unit_ids) for pk, f in figures.items()} == {
        i.pk: sorted(u.pk for u in i.units.all()) for i in items if i.pk in figures
    }
    assert selectors.register(sort="burden_asc").ids == sorted(
        hours, key=lambda pk: (hours[pk], pk)
    )
    by_title = sorted(items, key=lambda i: (i.title.lower(), i.pk))
    assert selectors.register(sort="title").ids == [i.pk for i in by_title]
    newest = sorted(items, key=lambda i: (i.introduced_on, i.pk), reverse=True)
    assert selectors.register(sort="introduced").ids == [i.pk for i in newest]
    low = selectors.register(min_hours=D(5), max_hours=D(50))
    assert set(low.ids) == {pk for pk, h in hours.items() if 5 <= h <= 50}

    onion = selectors.onion()
    active = [i for i in items if i.status != ItemStatus.REMOVED]
    assert onion["count"] == len(active)
    assert onion["total"].hours == pytest.approx(sum(hours[i.pk] for i in active))
    layers = {row["key"]: row for row in onion["layers"]}
    for layer in Layer.values:
        mine = [i for i in active if i.layer == layer]
        assert layers[layer]["count"] == len(mine)
        assert layers[layer]["burden"].hours == pytest.approx(sum(hours[i.pk] for i in mine))
    kinds = {row["key"]: row for row in onion["kinds"]}
    assert sum(row["count"] for row in kinds.values()) == len(active)
