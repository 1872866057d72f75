"""The burden stamp: every write behind a burden renews it, and reused inputs are never stale.

The register and the onion reuse the whole register's burden inputs while the
stamp is unchanged (`selectors.all_inputs`). These tests write in every way
the code base does (ORM saves, bulk writes, queryset updates, raw SQL, the
many-to-many table) and check that the stamp changes and the figures follow.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, transaction

from tillid.governance import selectors
from tillid.governance.models import Activity, BurdenStamp, Item, ItemStatus
from tillid.governance.tests.conftest import make_item
from tillid.organisation.models import Person, Unit

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture(autouse=True)
def stamp(db):
    # A transactional test elsewhere in this process may have flushed the row
    # the migration made; without it nothing is reused (tested below).
    BurdenStamp.objects.get_or_create(pk=1, defaults={"token": "start"})
    selectors.forget_inputs()
    yield
    selectors.forget_inputs()


def token() -> str:
    return selectors.burden_stamp()


@pytest.fixture
def item(org):
    """An item binding Team Nord: one activity of 10 minutes, 6 times a year (1 hour)."""
    made = make_item(units=[org.team_north])
    Activity.objects.create(
        item=made, name="Besøg", minutes_per_occurrence=D(10), occurrences_per_year=D(6)
    )
    return made


def north(org) -> int:
    """People in Team Nord now."""
    return Person.objects.filter(unit=org.team_north, is_active=True).count()


def _person(unit: Unit, n: int) -> Person:
    return Person(external_id=f"stamp-{n}", name=f"Person {n}", unit=unit)


WRITES = {
    "item saved": lambda org, item: (
        Item.objects.filter(pk=item.pk).first().save(update_fields=["title"])
    ),
    "item updated in bulk": lambda org, item: Item.objects.update(people_override=4),
    "item status by raw SQL": lambda org, item: connection.cursor().execute(
        f"UPDATE {Item._meta.db_table} SET status = %s", [ItemStatus.REMOVED]
    ),
    "activity added": lambda org, item: Activity.objects.create(
        item=item, name="Notat", minutes_per_occurrence=D(3), occurrences_per_year=D(2)
    ),
    "activity retired in bulk": lambda org, item: Activity.objects.update(
        retired_on=date(2025, 1, 1)
    ),
    "unit bound": lambda org, item: item.units.add(org.children),
    "unit unbound": lambda org, item: item.units.clear(),
    "unit deactivated": lambda org, item: Unit.objects.filter(pk=org.team_north.pk).update(
        is_active=False
    ),
    "people created in bulk": lambda org, item: Person.objects.bulk_create(
        [_person(org.team_north, n) for n in range(3)]
    ),
    "person moved": lambda org, item: Person.objects.filter(unit=org.team_north).update(
        unit=org.team_south
    ),
    "people deleted": lambda org, item: Person.objects.filter(unit=org.team_north).delete(),
    "item deleted": lambda org, item: Item.objects.filter(pk=item.pk).delete(),
}


@pytest.mark.parametrize("write", WRITES)
def test_every_write_behind_a_burden_renews_the_stamp(org, item, write):
    Person.objects.bulk_create([_person(org.team_north, n) for n in range(10, 13)])
    before = token()
    assert before
    WRITES[write](org, item)
    assert token() != before, write


def test_writes_elsewhere_keep_the_stamp(org, item, make_user):
    before = token()
    make_user("employee", org.team_north)  # users and role grants are not burden inputs
    assert token() == before


def test_inputs_are_reused_until_a_write_then_recomputed(org, item, django_assert_num_queries):
    Person.objects.bulk_create([_person(org.team_north, n) for n in range(4)])
    people = north(org)
    first = selectors.all_inputs()
    assert first.people(item.pk) == people
    with django_assert_num_queries(1):  # the stamp alone
        assert selectors.all_inputs() is first
    # A queryset update sends no signal; the trigger still renews the stamp.
    Person.objects.filter(external_id="stamp-0").update(is_active=False)
    again = selectors.all_inputs()
    assert again is not first
    assert again.people(item.pk) == people - 1
    onion = selectors.onion()
    assert onion["total"].hours == pytest.approx(people - 1)


def test_inputs_seen_inside_a_rolled_back_transaction_are_never_reused(org, item):
    people = north(org)
    assert selectors.register().total.hours == pytest.approx(people)
    seen_inside = []
    try:
        with transaction.atomic():
            Activity.objects.filter(item=item).update(minutes_per_occurrence=D(100))
            seen_inside.append(selectors.register().total.hours)
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    assert seen_inside == [pytest.approx(10 * people)]
    assert selectors.register().total.hours == pytest.approx(people)
    assert selectors.onion()["total"].hours == pytest.approx(people)


def test_without_a_stamp_nothing_is_reused(org, item, django_assert_max_num_queries):
    BurdenStamp.objects.all().delete()
    assert token() is None
    first = selectors.all_inputs()
    assert selectors.all_inputs() is not first
    Person.objects.bulk_create([_person(org.team_north, n) for n in range(5)])
    assert selectors.all_inputs().people(item.pk) == north(org)


def test_removed_items_stay_out_of_the_onion_and_the_register_totals(org, item):
    people = north(org)
    other = make_item(
        units=[org.team_north], minutes_per_occurrence=D(1), occurrences_per_year=D(60)
    )
    assert selectors.onion()["count"] == 2
    Item.objects.filter(pk=other.pk).update(status=ItemStatus.REMOVED)
    onion = selectors.onion()
    assert onion["count"] == 1
    assert onion["total"].hours == pytest.approx(people)
    assert selectors.register(status=ItemStatus.REMOVED).ids == [other.pk]
    # Listed, but not in force: the totals are those of the onion (issue 14.4).
    result = selectors.register()
    assert sorted(result.ids) == sorted([item.pk, other.pk])
    assert result.count_in_force == 1
    assert result.total.hours == pytest.approx(people)


def test_the_stamp_is_made_again_after_a_flush(org, item):
    # `flush` (the demo's --reset) empties every table, then sends post_migrate.
    from django.core.management.sql import emit_post_migrate_signal

    BurdenStamp.objects.all().delete()
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert token() is not None
    first = selectors.all_inputs()
    assert selectors.all_inputs() is first


@pytest.mark.parametrize(
    "write", ["people created in bulk", "person moved", "people deleted", "unit deactivated"]
)
def test_the_reused_unit_tree_and_unit_totals_follow_every_write(org, item, write):
    # The pages read the tree with headcounts and every unit's burden under the
    # stamp (issue 13); a write to people or units must show at once.
    Person.objects.bulk_create([_person(org.team_north, n) for n in range(20, 22)])
    tree = selectors.current_tree()
    totals = selectors.unit_totals()
    assert selectors.current_tree() is tree
    assert selectors.unit_totals() is totals
    assert tree.totals[org.team_north.pk] == north(org)
    assert totals[org.team_north.pk].hours == pytest.approx(north(org))
    WRITES[write](org, item)
    fresh = selectors.current_tree()
    assert fresh is not tree
    expected = north(org) if Unit.objects.get(pk=org.team_north.pk).is_active else 0
    assert fresh.totals.get(org.team_north.pk, 0) == expected
    after = selectors.unit_totals()
    assert after is not totals
    # The item costs each person in Team Nord one hour a year.
    hours = after[org.team_north.pk].hours if org.team_north.pk in after else 0
    assert hours == pytest.approx(expected)
