"""The register pages: list, filters, item page, create/edit, onion and unit pages."""

from decimal import Decimal

import pytest
from django.urls import reverse

from tillid.governance.models import Item, Kind, Layer
from tillid.organisation.testing import login

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def items(org, item_factory):
    return {
        "visits": item_factory(
            title="Minutstyret besøgsplanlægning",
            kind=Kind.PROCEDURE,
            layer=Layer.ADMINISTRATION,
            units=[org.elder],
            minutes_per_occurrence=D(5),
            occurrences_per_year=D(220),
        ),
        "tests": item_factory(
            title="Nationale test",
            kind=Kind.LAW,
            layer=Layer.STATE,
            units=[org.schools],
            mandated_by_law=True,
            minutes_per_occurrence=D(30),
            occurrences_per_year=D(4),
        ),
        "keys": item_factory(
            title="Nøglesystem",
            kind=Kind.LOCAL_SYSTEM,
            layer=Layer.SELF_IMPOSED,
            units=[org.team_north],
            minutes_per_occurrence=D(2),
            occurrences_per_year=D(10),
        ),
    }


def test_register_lists_items_by_burden(client, roles, items):
    login(client, roles.employee)
    response = client.get(reverse("governance:register"))
    assert response.status_code == 200
    titles = [row["item"].title for row in response.context["rows"]]
    # 5 × 220 × 5 people = 91.7 h; 30 × 4 × 2 = 4 h; 2 × 10 × 2 = 0.7 h.
    assert titles == ["Minutstyret besøgsplanlægning", "Nationale test", "Nøglesystem"]
    body = response.content.decode()
    assert "Styringsregister" in body or "Governance register" in body


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"layer": "state"}, ["Nationale test"]),
        ({"kind": "local_system"}, ["Nøglesystem"]),
        ({"q": "besøg"}, ["Minutstyret besøgsplanlægning"]),
        (
            {"min_hours": "1", "sort": "burden_asc"},
            ["Nationale test", "Minutstyret besøgsplanlægning"],
        ),
        ({"max_hours": "1"}, ["Nøglesystem"]),
        ({"sort": "title"}, ["Minutstyret besøgsplanlægning", "Nationale test", "Nøglesystem"]),
    ],
)
def test_register_filters(client, roles, items, params, expected):
    login(client, roles.employee)
    response = client.get(reverse("governance:register"), params)
    assert [row["item"].title for row in response.context["rows"]] == expected


def test_unit_filter_includes_inherited_and_below(client, org, roles, items):
    login(client, roles.employee)
    response = client.get(reverse("governance:register"), {"unit": org.team_north.pk})
    titles = {row["item"].title for row in response.context["rows"]}
    assert titles == {"Minutstyret besøgsplanlægning", "Nøglesystem"}
    response = client.get(reverse("governance:register"), {"unit": org.social.pk})
    assert {row["item"].title for row in response.context["rows"]} == titles


def test_bad_burden_range_is_explained_in_danish(client, roles, items):
    login(client, roles.employee)
    response = client.get(reverse("governance:register"), {"min_hours": "10", "max_hours": "2"})
    assert "Den øvre grænse må ikke være under den nedre" in response.content.decode()


def test_employee_cannot_register(client, roles):
    login(client, roles.employee)
    assert client.get(reverse("governance:item_create")).status_code == 403


def _form(org, **extra):
    data = {
        "title": "Ugentlig trivselsmåling",
        "kind": "kpi",
        "layer": "institution",
        "is_hard": "on",
        "units": [org.care_home.pk],
        "introduced_on": "2021-03-01",
        "minutes_per_occurrence": "4",
        "occurrences_per_year": "52",
        "basis": "estimate",
        "values": ["work_environment"],
    }
    data.update(extra)
    return data


def test_consultant_registers_item(client, org, roles):
    login(client, roles.consultant)
    response = client.post(reverse("governance:item_create"), _form(org))
    item = Item.objects.get(title="Ugentlig trivselsmåling")
    assert response.status_code == 302
    assert response["Location"] == reverse("governance:item", args=[item.pk])
    assert list(item.units.all()) == [org.care_home]
    assert item.values == ["work_environment"]
    assert item.history.exists()
    assert {h.history_user for h in item.history.all()} == {roles.consultant}
    page = client.get(response["Location"]).content.decode()
    assert "Ugentlig trivselsmåling" in page
    # 4 × 52 × 5 people / 60 = 17.3 hours
    assert "17" in page


def test_create_form_errors_are_danish_and_nothing_is_saved(client, org, roles):
    login(client, roles.consultant)
    response = client.post(
        reverse("governance:item_create"),
        _form(org, title="", units=[], minutes_per_occurrence="fem"),
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Giv punktet en titel." in body
    assert "Vælg mindst én enhed, som styringen binder." in body
    assert "Skriv et tal, for eksempel 7,5." in body
    assert not Item.objects.exists()


def test_area_consultant_only_registers_within_area(client, org, roles):
    login(client, roles.area_consultant)
    response = client.post(reverse("governance:item_create"), _form(org, units=[org.school.pk]))
    assert response.status_code == 200
    assert not Item.objects.exists()
    response = client.post(reverse("governance:item_create"), _form(org))
    assert response.status_code == 302


def test_control_cycle_is_refused(client, org, roles, item_factory):
    a = item_factory(title="Kontrol A", units=[org.care_home])
    b = item_factory(title="Kontrol B", units=[org.care_home], controls=a)
    login(client, roles.consultant)
    response = client.post(
        reverse("governance:item_edit", args=[a.pk]),
        _form(org, title="Kontrol A", controls=b.reference),
    )
    assert response.status_code == 200
    assert "kontrollere sig selv" in response.content.decode()
    a.refresh_from_db()
    assert a.controls is None


def test_edit_keeps_history_with_changed_fields(client, org, roles, item_factory):
    item = item_factory(title="Gammel titel", units=[org.care_home])
    login(client, roles.consultant)
    response = client.post(
        reverse("governance:item_edit", args=[item.pk]), _form(org, title="Ny titel")
    )
    assert response.status_code == 302
    page = client.get(reverse("governance:item", args=[item.pk]))
    history = page.context["history"]
    assert history[0]["user"] == roles.consultant
    assert (
        "titel" in " ".join(history[0]["changed"]).lower()
        or "title" in " ".join(history[0]["changed"]).lower()
    )


def test_employee_cannot_edit(client, org, roles, item_factory):
    item = item_factory(units=[org.team_north])
    login(client, roles.employee)
    assert client.get(reverse("governance:item_edit", args=[item.pk])).status_code == 403


def _add_note_activity(client, item) -> None:
    """Post the activity form: a measured note of 6 minutes, 100 times a year."""
    client.post(
        reverse("governance:activity_add", args=[item.pk]),
        {
            "name": "Skrive notat",
            "minutes_per_occurrence": "6",
            "occurrences_per_year": "100",
            "performed_by": "employees",
            "basis": "measured",
        },
    )


def test_activity_added_changes_burden(client, org, roles, item_factory):
    item = item_factory(units=[org.team_north])
    login(client, roles.consultant)
    _add_note_activity(client, item)
    page = client.get(reverse("governance:item", args=[item.pk]))
    assert page.context["burden"].hours == D(20)  # 600 min × 2 people
    assert "Målt" in page.content.decode()


def test_activities_added_and_deleted_show_in_the_item_history(client, org, roles, item_factory):
    item = item_factory(units=[org.team_north])
    login(client, roles.consultant)
    _add_note_activity(client, item)
    activity = item.activities.get()
    client.post(reverse("governance:activity_delete", args=[item.pk, activity.pk]))
    assert not item.activities.exists()
    page = client.get(reverse("governance:item", args=[item.pk]))
    rows = [r for r in page.context["history"] if r.get("activity")]
    assert [(r["type"], r["activity"], r["user"]) for r in rows] == [
        ("-", "Skrive notat", roles.consultant),
        ("+", "Skrive notat", roles.consultant),
    ]
    body = page.content.decode()
    assert "Aktivitet tilføjet: Skrive notat" in body
    assert "Aktivitet slettet: Skrive notat" in body


def test_onion_page_has_chart_and_table(client, roles, items):
    login(client, roles.politician)
    response = client.get(reverse("governance:onion"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "vega-embed" in body
    layers = {row["key"]: row for row in response.context["layers"]}
    assert layers["state"]["count"] == 1
    assert layers["state"]["burden"].hours == D(4)
    assert "<caption>" in body


def test_unit_page_answers_where_time_goes(client, org, roles, items):
    login(client, roles.leader)
    response = client.get(reverse("governance:unit", args=[org.team_north.pk]))
    assert response.status_code == 200
    rows = {r.item.title: r for r in response.context["rows"]}
    assert set(rows) == {"Minutstyret besøgsplanlægning", "Nøglesystem"}
    assert rows["Minutstyret besøgsplanlægning"].relation == "above"
    assert rows["Minutstyret besøgsplanlægning"].people == 2
    # 5 × 220 × 2 / 60 + 2 × 10 × 2 / 60
    assert response.context["total"].hours == pytest.approx((2200 + 40) / 60)


def test_export_csv_and_xlsx(client, roles, items):
    login(client, roles.employee)
    response = client.get(reverse("governance:export", args=["csv"]))
    text = response.content.decode("utf-8-sig")
    assert response.status_code == 200
    assert text.splitlines()[0].startswith("reference;titel;")
    assert "Nationale test" in text
    response = client.get(reverse("governance:export", args=["xlsx"]))
    assert response.status_code == 200
    assert response.content[:2] == b"PK"
    assert client.get(reverse("governance:export", args=["pdf"])).status_code == 404


def test_nav_entry_shows_styring(client, roles):
    login(client, roles.employee)
    body = client.get(reverse("home")).content.decode()
    assert reverse("governance:register") in body


def test_edit_form_keeps_chosen_units_and_reference(client, org, roles, item_factory):
    target = item_factory(title="Mål", units=[org.care_home])
    item = item_factory(title="Kontrol", units=[org.care_home, org.school], controls=target)
    login(client, roles.consultant)
    body = client.get(reverse("governance:item_edit", args=[item.pk])).content.decode()
    assert f'<option value="{org.care_home.pk}" selected>' in body
    assert f'<option value="{org.school.pk}" selected>' in body
    assert f'<option value="{org.team_north.pk}">' in body
    assert f'value="{target.reference}"' in body


def test_unknown_control_reference_is_explained(client, org, roles):
    login(client, roles.consultant)
    response = client.post(reverse("governance:item_create"), _form(org, controls="STY-99999"))
    assert response.status_code == 200
    assert "Intet punkt har referencen »STY-99999«." in response.content.decode()
    assert not Item.objects.exists()
