"""Import of the register: all-or-nothing with Danish line/column errors; export round trip."""

import io

import pytest
from django.urls import reverse
from openpyxl import Workbook

from tillid.governance import register_file
from tillid.governance.models import Item
from tillid.governance.tests.conftest import login

pytestmark = pytest.mark.django_db

HEADER = "reference;titel;type;lag;enheder;indfoert;minutter_pr_gang;gange_pr_aar;vaerdier;kontrollerer;lovpligtig"


def _csv(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8")


def test_valid_file_creates_items_with_controls(org, roles):
    content = _csv(
        "R1;Medicinregistrering;Procedure eller instruks;Institution eller team;EGELY;2021-02-01;2,5;300;Sikkerhed;;nej",
        "R2;Kontrol af medicinregistrering;inspection;administration;EGELY;2022-02-01;30;2;;R1;nej",
    )
    result = register_file.import_register(
        filename="register.csv", content=content, user=roles.consultant
    )
    assert result.errors == []
    assert result.created == 2
    r2 = Item.objects.get(reference="R2")
    assert r2.controls.reference == "R1"
    r1 = Item.objects.get(reference="R1")
    assert r1.minutes_per_occurrence == 2.5
    assert r1.values == ["safety"]
    assert list(r1.units.values_list("external_id", flat=True)) == ["EGELY"]


def test_bad_file_imports_nothing_and_names_line_and_column(org, roles):
    content = _csv(
        "R1;Godt punkt;Tilsyn;Selvpåført;EGELY;2021-02-01;1;1;;;nej",
        "R2;;Ukendt type;Selvpåført;FINDES-IKKE;32-13-2021;fem;1;Glæde;R9;måske",
    )
    result = register_file.import_register(
        filename="register.csv", content=content, user=roles.consultant
    )
    assert not Item.objects.exists()
    by_column = {(e.line, e.column): e.message for e in result.errors}
    assert by_column[(3, "type")] == "Ukendt type »Ukendt type«."
    assert "FINDES-IKKE" in by_column[(3, "enheder")]
    assert by_column[(3, "indfoert")] == "Skriv datoen som åååå-mm-dd."
    assert "fem" in by_column[(3, "minutter_pr_gang")]
    assert "Glæde" in by_column[(3, "vaerdier")]
    assert "R9" in by_column[(3, "kontrollerer")]
    assert "måske" in by_column[(3, "lovpligtig")]
    assert by_column[(3, "titel")] == "Giv punktet en titel."
    assert all(e.line != 2 for e in result.errors)


def test_missing_columns_and_control_loop(org, roles):
    result = register_file.import_register(
        filename="x.csv", content=b"titel;type\nA;Tilsyn\n", user=roles.consultant
    )
    assert "lag" in result.errors[0].message
    content = _csv(
        "R1;A;Tilsyn;Selvpåført;EGELY;2021-02-01;1;1;;R2;nej",
        "R2;B;Tilsyn;Selvpåført;EGELY;2021-02-01;1;1;;R1;nej",
    )
    result = register_file.import_register(filename="x.csv", content=content, user=roles.consultant)
    assert result.errors
    assert "kontrollere sig selv" in result.errors[0].message
    assert not Item.objects.exists()


def test_export_round_trips_through_xlsx_and_updates(client, org, roles, item_factory):
    item = item_factory(title="Vagtplan", units=[org.care_home, org.school], values=["economy"])
    login(client, roles.consultant)
    content = client.get(reverse("governance:export", args=["xlsx"])).content
    result = register_file.import_register(
        filename="r.xlsx", content=content, user=roles.consultant
    )
    assert result.errors == []
    assert (result.created, result.updated) == (0, 1)
    item.refresh_from_db()
    assert item.values == ["economy"]
    assert set(item.units.values_list("external_id", flat=True)) == {"EGELY", "EGESKOLEN"}


def test_import_page_shows_errors_and_is_for_organisation_wide_managers(client, org, roles):
    wb = Workbook()
    sheet = wb.active
    sheet.append(["titel", "type", "lag", "enheder", "indfoert"])
    sheet.append(["X", "Tilsyn", "Ukendt lag", "EGELY", "2021-01-01"])
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    buffer.name = "r.xlsx"
    login(client, roles.area_consultant)
    assert client.get(reverse("governance:import")).status_code == 403
    login(client, roles.consultant)
    response = client.post(reverse("governance:import"), {"file": buffer})
    body = response.content.decode()
    assert "Ukendt lag »Ukendt lag«." in body
    assert "Intet blev importeret" in body
    assert not Item.objects.exists()
