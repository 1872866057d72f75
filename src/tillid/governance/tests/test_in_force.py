"""One definition of "in force" and of freed hours (issue 14.4): the register, the
onion, an item's page, the indicators and the export agree."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone

from tillid.core.indicators import Period, Scope
from tillid.governance import indicators, register_file, selectors, services
from tillid.governance.demo import build_demo
from tillid.governance.models import Item, ItemStatus
from tillid.governance.tests.conftest import make_item
from tillid.organisation import services as org_services
from tillid.organisation.models import Role
from tillid.organisation.testing import login

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def test_the_predicate():
    on = date(2026, 3, 1)

    def in_force(status="active", introduced=date(2020, 1, 1), ended=None):
        return selectors.is_in_force(status=status, introduced_on=introduced, ended_on=ended, on=on)

    assert in_force()
    assert in_force(status=ItemStatus.ESCALATED)  # binds until the higher layer answers
    assert not in_force(introduced=date(2026, 3, 2))  # not yet
    assert not in_force(status=ItemStatus.REMOVED)  # removed, no date: ended
    assert not in_force(status=ItemStatus.REMOVED, ended=on)  # ended that day
    assert in_force(status=ItemStatus.REMOVED, ended=date(2026, 3, 2))  # ends tomorrow
    assert not in_force(ended=date(2026, 2, 1))  # made inactive
    # ISO text, as SQLite gives dates in the reused inputs, reads the same.
    assert not selectors.is_in_force(
        status="active", introduced_on="2020-01-01", ended_on="2026-02-01", on=on
    )
    # The query filter says the same.
    assert str(selectors.in_force_q(on))


@pytest.fixture
def demo(org, make_user):
    make_user(Role.CONSULTANT, None, username="konsulent")
    org_services.create_user_for_person(person=org.people["P1"], username="leder")
    org_services.create_user_for_person(person=org.people["P2"], username="medarbejder")
    build_demo(seed=7, log=lambda line: None)


def test_register_onion_and_indicators_agree_on_the_demo(demo):
    assert Item.objects.filter(status=ItemStatus.REMOVED).exists()
    result = selectors.register()
    onion = selectors.onion()
    in_force = selectors.in_force_items().count()
    print(
        f"\nregister: {len(result.ids)} items, {result.count_in_force} in force, "
        f"{result.total.hours:.0f} h; onion: {onion['count']} items, "
        f"{onion['total'].hours:.0f} h; freed {result.freed_total.hours:.0f} h"
    )
    assert len(result.ids) > result.count_in_force  # removed items are listed…
    assert result.count_in_force == onion["count"] == in_force  # …but not counted
    assert result.total.hours == pytest.approx(onion["total"].hours)
    assert sum(row.count for row in selectors_kle_rows()) == onion["count"]
    found = {
        i.code: i
        for i in indicators.indicators(
            scope=Scope(), period=Period(TODAY - timedelta(days=364), TODAY)
        )
    }
    # The mushrooming trend ends with the count in force today.
    assert found["governance.mushrooming"].trend[-1].value == onion["count"]
    assert result.freed_total.hours > 0
    assert found["governance.hours_freed"].value == pytest.approx(result.freed_total.hours)
    # The export says the same: hours in force, and freed hours.
    rows = list(
        csv.reader(io.StringIO(register_file.export_csv().decode("utf-8-sig")), delimiter=";")
    )
    header, body = rows[0], rows[1:]
    at = {name: header.index(name) for name in ("i_kraft", "timer_pr_aar", "frigjort_timer_pr_aar")}
    assert sum(1 for r in body if r[at["i_kraft"]] == "ja") == onion["count"]
    assert sum(int(r[at["timer_pr_aar"]]) for r in body) == pytest.approx(
        onion["total"].hours, abs=len(body)
    )
    assert sum(int(r[at["frigjort_timer_pr_aar"]]) for r in body) == pytest.approx(
        result.freed_total.hours, abs=len(body)
    )


def selectors_kle_rows():
    from tillid.governance import kle

    return kle.onion_by_area()


def test_a_removed_items_page_shows_what_was_freed(client, org, roles):
    item = make_item(
        title="Ugentlig tavlemøde-referat",
        units=[org.care_home],
        minutes_per_occurrence=D(30),
        occurrences_per_year=D(52),
    )
    review = services.open_review(item=item, user=roles.consultant, stake_groups=["employees"])
    services.decide_review(
        review=review,
        user=roles.consultant,
        decision="remove",
        rationale="Ingen læser det.",
        decided_on=TODAY - timedelta(days=10),
    )
    item.refresh_from_db()
    assert not selectors.item_in_force(item)
    page = selectors.item_page(item)
    people = page.burden.people
    assert page.freed.hours == pytest.approx(30 * 52 * people / 60)
    login(client, roles.consultant)
    response = client.get(reverse("governance:item", args=[item.pk]))
    body = response.content.decode()
    headline = body[body.index('data-testid="item-headline"') :]
    headline = headline[: headline.index("</div>\n</div>")]
    assert "frigjort" in headline.lower()
    assert "timer om året" not in headline.split("frigjort")[0].lower()
    # The register lists it with its freed hours, not as burden in force.
    register = client.get(reverse("governance:register") + "?q=tavlem")
    text = register.content.decode()
    assert "frigjort" in text.lower()
    assert register.context["total"].hours == 0
    assert register.context["count_in_force"] == 0


def test_the_api_says_whether_an_item_is_in_force(client, org, roles):
    kept = make_item(title="Beholdt", units=[org.care_home])
    gone = make_item(title="Fjernet", units=[org.care_home])
    Item.objects.filter(pk=gone.pk).update(status=ItemStatus.REMOVED, ended_on=TODAY)
    login(client, roles.consultant)
    rows = {r["id"]: r for r in client.get("/api/governance/items").json()["items"]}
    assert rows[kept.pk]["in_force"] is True
    assert rows[gone.pk]["in_force"] is False
