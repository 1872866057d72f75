"""Mushrooming signals: growth by layer, control chains, duplicates, items added since review."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from tillid.governance import selectors, services
from tillid.governance.models import Layer
from tillid.organisation.testing import login

pytestmark = pytest.mark.django_db


def test_control_chains_two_or_more_deep(org, item_factory):
    a = item_factory(title="Ydelsesregistrering", units=[org.care_home])
    b = item_factory(title="Kontrol af registrering", units=[org.care_home], controls=a)
    c = item_factory(title="Kontrol af kontrollen", units=[org.care_home], controls=b)
    rows = selectors.deep_control_chains()
    assert [(r["item_id"], r["chain_ids"]) for r in rows] == [(c.pk, [b.pk, a.pk])]


def test_likely_duplicates_need_similar_title_and_overlapping_units(org, item_factory):
    item_factory(title="Ugentlig medicinoptælling", units=[org.team_north])
    item_factory(title="Ugentlig medicin-optælling", units=[org.care_home])
    item_factory(title="Ugentlig medicinoptælling", units=[org.school])
    item_factory(title="Helt andet", units=[org.team_north])
    rows = selectors.likely_duplicates()
    assert len(rows) == 1
    assert {rows[0]["a"][1], rows[0]["b"][1]} == {
        "Ugentlig medicinoptælling",
        "Ugentlig medicin-optælling",
    }


def test_growth_by_layer_counts_items_in_force(org, item_factory):
    item_factory(
        title="A",
        layer=Layer.STATE,
        units=[org.root],
        introduced_on=date(2022, 5, 1),
        minutes_per_occurrence=Decimal(6),
        occurrences_per_year=Decimal(10),
    )
    item_factory(
        title="B", layer=Layer.SELF_IMPOSED, units=[org.team_north], introduced_on=date(2024, 5, 1)
    )
    rows = {(r["year"], r["layer"]): r for r in selectors.growth_by_layer()}
    assert rows[(2022, "state")]["count"] == 1
    assert rows[(2023, "self_imposed")]["count"] == 0
    assert rows[(2024, "self_imposed")]["count"] == 1
    assert rows[(2024, "state")]["hours"] == Decimal(7)  # 60 min × 7 people


def test_items_added_since_last_review_of_area(org, roles, item_factory):
    old = item_factory(title="Gammel", units=[org.care_home], introduced_on=date(2020, 1, 1))
    review = services.open_review(item=old, user=roles.consultant, stake_groups=["employees"])
    services.decide_review(
        review=review,
        user=roles.consultant,
        decision="keep",
        rationale="x",
        decided_on=date(2024, 1, 1),
    )
    item_factory(title="Ny", units=[org.team_north], introduced_on=date(2024, 6, 1))
    rows = {r["area"].pk: r for r in selectors.added_since_last_review()}
    assert [i["title"] for i in rows[org.elder.pk]["items"]] == ["Ny"]
    assert rows[org.schools.pk]["last_review"] is None


def test_signals_page_renders_chart_and_tables(client, org, roles, item_factory):
    a = item_factory(title="Ydelsesregistrering", units=[org.care_home])
    b = item_factory(title="Kontrol af registrering", units=[org.care_home], controls=a)
    item_factory(title="Kontrol af kontrollen", units=[org.care_home], controls=b)
    login(client, roles.politician)
    response = client.get(reverse("governance:signals"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "count-spec" in body
    assert "Kontrol af kontrollen" in body
