"""Governance by KLE task area: picked on the form, units suggested, register and onion grouped."""

import pytest
from django.urls import reverse

from tillid.governance import kle, register_file, selectors
from tillid.governance.models import Item
from tillid.governance.tests.conftest import make_item
from tillid.governance.tests.test_register import _form
from tillid.organisation import services as org_services
from tillid.organisation.kle import SHIPPED_FILE, parse_kle
from tillid.organisation.models import KLENumber
from tillid.organisation.testing import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def areas(org):
    org_services.update_kle(plan=parse_kle(SHIPPED_FILE.read_bytes()))
    org_services.set_unit_kle(unit=org.elder, numbers=["27.36", "29.09"])
    org_services.set_unit_kle(unit=org.school, numbers=["17.01"])
    return {k.number: k for k in KLENumber.objects.all()}


def test_item_form_saves_the_task_area_and_refuses_an_unknown_one(client, org, roles, areas):
    login(client, roles.consultant)
    bad = client.post(reverse("governance:item_create"), _form(org, kle="99.99.99"))
    assert "er ikke et gældende KLE-nummer" in bad.content.decode()
    assert not Item.objects.exists()
    retired = client.post(reverse("governance:item_create"), _form(org, kle="32.24.32"))
    assert "er ikke et gældende KLE-nummer" in retired.content.decode()
    response = client.post(
        reverse("governance:item_create"), _form(org, kle="27.36.04 Personlig pleje")
    )
    item = Item.objects.get()
    assert response.status_code == 302
    assert item.kle == areas["27.36.04"]
    page = client.get(reverse("governance:item", args=[item.pk])).content.decode()
    assert "27.36.04 Personlig pleje" in page
    edit = client.get(reverse("governance:item_edit", args=[item.pk])).content.decode()
    assert 'value="27.36.04 Personlig pleje"' in edit
    assert 'list="kle-options"' in edit


def test_the_form_suggests_the_units_tagged_with_the_task_area(client, org, roles, areas):
    login(client, roles.consultant)
    url = reverse("governance:kle_units")
    html = client.get(url, {"kle": "27.36.04 Personlig pleje"}).content.decode()
    assert "Ældreområdet" in html
    assert f'data-select-units="{org.elder.pk}"' in html
    assert "Egeskolen" not in html
    none = client.get(url, {"kle": "28.01.04"}).content.decode()
    assert "Ingen enhed har opgaveområdet 28.01.04" in none
    assert client.get(url, {"kle": ""}).content.decode().strip() == ""


@pytest.fixture
def tagged(org, areas):
    def item(title, number, units, minutes):
        return make_item(
            title=title,
            units=units,
            kle_id=areas[number].pk if number else None,
            minutes_per_occurrence=minutes,
            occurrences_per_year=60,
        )

    # Team Nord and Team Syd have 2 people each, the care home 5, the school 2.
    return {
        "care": item("Besøgsdokumentation", "27.36.04", [org.care_home], 10),  # 5 × 10 h
        "keys": item("Nøglekvittering", "27.36.08", [org.team_north], 5),  # 2 × 5 h
        "medicine": item("Medicinoptælling", "29.09.04", [org.care_home], 2),  # 5 × 2 h
        "school": item("Elevplaner", "17.01.04", [org.school], 20),  # 2 × 20 h
        "none": item("Mødereferater", None, [org.school], 1),  # 2 × 1 h
    }


def test_register_filters_and_groups_by_task_area(client, roles, tagged):
    result = kle.restrict(selectors.register(), "27.36")
    assert set(result.ids) == {tagged["care"].pk, tagged["keys"].pk}
    assert result.total.hours == pytest.approx(50 + 10)
    rows = kle.register_by_area(selectors.register(), "main_group")
    assert [(r.number, r.count, round(r.burden.hours)) for r in rows] == [
        ("27", 2, 60),
        ("17", 1, 40),
        ("29", 1, 10),
        ("", 1, 2),
    ]
    groups = kle.register_by_area(selectors.register(), "group")
    assert [(r.number, r.title) for r in groups][:2] == [
        ("27.36", "Personlig og praktisk hjælp"),
        ("17.01", "Folkeskolen"),
    ]
    login(client, roles.employee)
    page = client.get(
        reverse("governance:register"), {"kle": "27", "group": "group"}
    ).content.decode()
    assert "Besøgsdokumentation" in page
    assert "Elevplaner" not in page
    assert "27.36 Personlig og praktisk hjælp" in page
    assert '<option value="27.36">27.36 Personlig og praktisk hjælp</option>' in page


def test_onion_page_shows_burden_per_task_area(client, roles, tagged):
    rows = kle.onion_by_area()
    assert [(r.number, r.count) for r in rows] == [("27", 2), ("17", 1), ("29", 1), ("", 1)]
    login(client, roles.politician)
    page = client.get(reverse("governance:onion")).content.decode()
    assert "Byrde pr. opgaveområde (KLE)" in page
    assert "27 Social service" in page
    assert "Uden opgaveområde" in page


def test_register_file_carries_the_task_area(client, org, roles, tagged, areas):
    login(client, roles.consultant)
    content = client.get(reverse("governance:export", args=["xlsx"])).content
    result = register_file.import_register(
        filename="r.xlsx", content=content, user=roles.consultant
    )
    assert result.errors == []
    assert (result.report.updated, result.report.unchanged) == (0, 5)
    Item.objects.filter(pk=tagged["care"].pk).update(kle=None)
    result = register_file.import_register(
        filename="r.xlsx", content=content, user=roles.consultant
    )
    assert (result.report.updated, result.report.unchanged) == (1, 4)
    assert Item.objects.get(pk=tagged["care"].pk).kle == areas["27.36.04"]
    csv = (
        b"reference;titel;type;lag;enheder;indfoert;kle\n"
        b"N1;Ny regel;law;state;EGELY;2024-01-01;88.88.88\n"
    )
    result = register_file.import_register(filename="r.csv", content=csv, user=roles.consultant)
    assert [(e.column, e.message) for e in result.errors] == [
        ("kle", "»88.88.88« er ikke et kendt KLE-nummer.")
    ]
