"""The governance API: same permissions as the pages, burden figures, no anonymous links."""

from decimal import Decimal

import pytest

from tillid.governance.models import RedTapeReport
from tillid.organisation.testing import login

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def items(org, item_factory):
    return [
        item_factory(
            title="Stor",
            units=[org.care_home],
            minutes_per_occurrence=D(60),
            occurrences_per_year=D(12),
        ),
        item_factory(
            title="Lille",
            units=[org.school],
            minutes_per_occurrence=D(6),
            occurrences_per_year=D(10),
        ),
    ]


def test_items_list_has_burden_and_filters(client, roles, org, items):
    login(client, roles.consultant)
    data = client.get("/api/governance/items").json()
    assert data["count"] == 2
    assert [row["title"] for row in data["items"]] == ["Stor", "Lille"]
    assert data["items"][0]["burden"]["hours_per_year"] == 60.0  # 12 h × 5 people
    assert data["items"][0]["burden"]["dkk_per_year"] == 27000.0
    data = client.get("/api/governance/items", {"unit_id": org.school.pk}).json()
    assert [row["title"] for row in data["items"]] == ["Lille"]


def test_item_detail_hides_meaning_below_threshold(client, roles, items):
    login(client, roles.consultant)
    data = client.get(f"/api/governance/items/{items[0].pk}").json()
    assert data["meaning"]["respondents_shown"] is False
    assert data["meaning"]["meaningful"] is None
    assert client.get("/api/governance/items/999999").status_code == 404


def test_unit_burden_totals(client, roles, org, items):
    login(client, roles.consultant)
    rows = {r["unit_id"]: r for r in client.get("/api/governance/burden/units").json()["items"]}
    assert rows[org.care_home.pk]["hours_per_year"] == 60.0
    assert rows[org.team_north.pk]["hours_per_year"] == 24.0
    assert rows[org.root.pk]["hours_per_year"] == 62.0  # + 1 h × 2 at the school


def test_reports_only_for_handlers_and_anonymous_has_no_unit(client, roles, org):
    RedTapeReport.objects.create(
        title="x", description="y", is_anonymous=True, reported_on="2025-01-01"
    )
    login(client, roles.consultant)
    rows = client.get("/api/governance/red-tape-reports").json()["items"]
    assert rows[0]["unit_id"] is None
    assert rows[0]["is_anonymous"]
    assert "reporter" not in rows[0]
    login(client, roles.politician)  # may use the API, not handle red tape
    assert client.get("/api/governance/red-tape-reports").status_code == 403
    assert client.get("/api/governance/items").status_code == 200


def test_reviews_endpoint(client, roles, items):
    from tillid.governance import services

    services.open_review(item=items[0], user=roles.consultant, stake_groups=["employees", "med_tr"])
    login(client, roles.consultant)
    rows = client.get("/api/governance/reviews").json()["items"]
    assert rows[0]["item_id"] == items[0].pk
    assert rows[0]["stake_groups"] == ["employees", "med_tr"]


def test_anonymous_caller_is_refused(client, items):
    assert client.get("/api/governance/items").status_code == 401
