"""Import of the register: all-or-nothing with Danish line/column errors; export round trip."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from tillid.governance import register_file, selectors, services
from tillid.governance.models import Activity, EstimateBasis, Item, RoleGroup
from tillid.organisation.testing import login

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
    assert result.report.created == 2
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
    # Nothing changed since the export: the item is not written again.
    assert (result.report.created, result.report.updated, result.report.unchanged) == (0, 0, 1)
    Item.objects.filter(pk=item.pk).update(values=[])
    item.units.set([org.school])
    result = register_file.import_register(
        filename="r.xlsx", content=content, user=roles.consultant
    )
    assert result.errors == []
    assert (result.report.created, result.report.updated, result.report.unchanged) == (0, 1, 0)
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


# --- activities ----------------------------------------------------------------------

D = Decimal
ITEM_HEADER = ["reference", "titel", "type", "lag", "enheder", "indfoert"]
ACTIVITY_HEADER = [
    "reference",
    "navn",
    "minutter_pr_gang",
    "gange_pr_aar",
    "udfoeres_af",
    "grundlag",
]


def _workbook(items: list[list] | None, activities: list[list] | None) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    if items is not None:
        sheet = wb.create_sheet("Styringsregister")
        for row in [ITEM_HEADER, *items]:
            sheet.append(row)
    if activities is not None:
        sheet = wb.create_sheet("aktiviteter")
        for row in [ACTIVITY_HEADER, *activities]:
            sheet.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _activity(item, name, minutes, times, **extra):
    return services.add_activity(
        item=item,
        name=name,
        minutes_per_occurrence=D(minutes),
        occurrences_per_year=D(times),
        **extra,
    )


def _current(item) -> list[tuple]:
    return sorted(
        (a.name, a.minutes_per_occurrence, a.occurrences_per_year, a.performed_by, a.basis)
        for a in selectors.current_activities(item)
    )


@pytest.fixture
def register(org, item_factory):
    """Three items: two with activities (one also with a replaced one), one on its own figures."""
    visits = item_factory(
        title="Besøgsdokumentation", reference="R-BES", units=[org.care_home], values=["safety"]
    )
    _activity(visits, "Skrive notat", "4.5", 220)
    _activity(
        visits,
        "Godkende",
        "2.25",
        12,
        performed_by=RoleGroup.PROFESSIONAL_LEADERS,
        basis=EstimateBasis.MEASURED,
    )
    old = _activity(visits, "Gammel tjekliste", 30, 52)
    Activity.objects.filter(pk=old.pk).update(retired_on="2023-05-01")
    plan = item_factory(
        title="Ugeplan",
        reference="R-UGE",
        units=[org.team_north, org.school],
        minutes_per_occurrence=D(10),
        occurrences_per_year=D(40),
        controls=visits,
    )
    tests = item_factory(title="Nationale test", reference="R-TEST", units=[org.school])
    _activity(tests, "Afvikle test", 45, 3)
    return {"R-BES": visits, "R-UGE": plan, "R-TEST": tests}


def _burdens() -> dict[str, float]:
    return {i.reference: selectors.item_burden(i).burden.hours for i in Item.objects.all()}


def _export(client, user) -> bytes:
    login(client, user)
    response = client.get(reverse("governance:export", args=["xlsx"]))
    assert response.status_code == 200
    return response.content


def test_xlsx_export_has_a_sheet_of_current_activities(client, roles, register):
    workbook = load_workbook(io.BytesIO(_export(client, roles.employee)), read_only=True)
    assert len(workbook.sheetnames) == 2
    first = [list(r) for r in workbook.worksheets[0].iter_rows(values_only=True)]
    assert first[0][:2] == ["reference", "titel"]  # the items sheet as before
    rows = [list(r) for r in workbook["aktiviteter"].iter_rows(values_only=True)]
    assert rows[0] == ACTIVITY_HEADER
    # The replaced activity is not exported; numbers are numbers.
    assert rows[1:] == [
        ["R-BES", "Skrive notat", 4.5, 220, "Medarbejdere", "Skøn på forhånd"],
        ["R-BES", "Godkende", 2.25, 12, "Faglige ledere", "Målt"],
        ["R-TEST", "Afvikle test", 45, 3, "Medarbejdere", "Skøn på forhånd"],
    ]


def test_xlsx_round_trip_with_activities_keeps_every_burden(client, roles, register):
    before = _burdens()
    content = _export(client, roles.consultant)
    # Empty the register: the file alone must bring back every item and its burden.
    Item.objects.all().delete()
    assert not Activity.objects.exists()
    result = register_file.import_register(
        filename="r.xlsx", content=content, user=roles.consultant
    )
    assert result.errors == []
    assert (result.report.created, result.report.activities_added) == (3, 3)
    after = _burdens()
    assert after == pytest.approx(before)
    assert after["R-BES"] != after["R-UGE"]  # activities and own figures both count
    assert _current(Item.objects.get(reference="R-BES")) == [
        ("Godkende", D("2.25"), D(12), RoleGroup.PROFESSIONAL_LEADERS, EstimateBasis.MEASURED),
        ("Skrive notat", D("4.5"), D(220), RoleGroup.EMPLOYEES, EstimateBasis.ESTIMATE),
    ]
    assert not Item.objects.get(reference="R-UGE").activities.exists()


def test_reimport_of_an_unchanged_export_writes_nothing(client, roles, register):
    content = _export(client, roles.consultant)
    history = Item.history.count()
    activities = sorted(Activity.objects.values_list("pk", "retired_on"))
    stamp = selectors.burden_stamp()
    result = register_file.import_register(
        filename="r.xlsx", content=content, user=roles.consultant
    )
    assert result.errors == []
    assert (result.report.created, result.report.updated, result.report.unchanged) == (0, 0, 3)
    assert (result.report.activities_added, result.report.activities_deleted) == (0, 0)
    assert Item.history.count() == history
    assert sorted(Activity.objects.values_list("pk", "retired_on")) == activities
    assert selectors.burden_stamp() == stamp  # the triggers saw no write at all


def test_sheet_replaces_the_activities_of_the_items_it_names_only(roles, register):
    visits, tests = register["R-BES"], register["R-TEST"]
    kept = visits.activities.get(name="Skrive notat")
    tests_before = _current(tests)
    content = _workbook(
        None,
        [
            ["R-BES", "Skrive notat", "4,50", 220, "", ""],
            ["R-BES", "Læse op", 1, 100, "Medarbejdere", "målt"],
        ],
    )
    result = register_file.import_register(
        filename="aktiviteter.xlsx", content=content, user=roles.consultant
    )
    assert result.errors == []
    assert (
        result.report.updated,
        result.report.activities_added,
        result.report.activities_deleted,
    ) == (1, 1, 1)
    assert _current(visits) == [
        ("Læse op", D(1), D(100), RoleGroup.EMPLOYEES, EstimateBasis.MEASURED),
        ("Skrive notat", D("4.5"), D(220), RoleGroup.EMPLOYEES, EstimateBasis.ESTIMATE),
    ]
    # The unchanged activity is the same row; the dropped one is gone like a
    # deletion on the item's page; the one replaced by a decision stays.
    assert visits.activities.get(name="Skrive notat").pk == kept.pk
    assert not visits.activities.filter(name="Godkende").exists()
    assert visits.activities.filter(name="Gammel tjekliste", retired_on__isnull=False).exists()
    assert _current(tests) == tests_before
    people = selectors.item_burden(visits).burden.people
    assert selectors.item_burden(visits).burden.hours == pytest.approx(
        (4.5 * 220 + 1 * 100) * people / 60
    )


def test_bad_activity_rows_import_nothing_not_even_the_good_items(roles, register):
    items_before = Item.objects.count()
    activities_before = sorted(Activity.objects.values_list("pk", flat=True))
    content = _workbook(
        [["R-NY", "Nyt punkt", "Tilsyn", "Selvpåført", "EGELY", "2021-02-01"]],
        [
            ["R-NY", "Tjekke", 5, 10, "", ""],
            ["R-FINDES-IKKE", "Skrive", 5, 10, "", ""],
            ["R-BES", "Skrive", -5, 10, "", ""],
            ["R-BES", "Skrive", "fem", "ti", "Chefer", "gæt"],
            ["R-NY", "", 5, 10, "", ""],
        ],
    )
    result = register_file.import_register(
        filename="r.xlsx", content=content, user=roles.consultant
    )
    by_cell = {(e.table, e.line, e.column): e.message for e in result.errors}
    assert by_cell == {
        ("aktiviteter", 3, "reference"): "Intet punkt har referencen »R-FINDES-IKKE«.",
        ("aktiviteter", 4, "minutter_pr_gang"): "Minutter kan ikke være negative.",
        ("aktiviteter", 5, "minutter_pr_gang"): "Skriv et tal, ikke »fem«.",
        ("aktiviteter", 5, "gange_pr_aar"): "Skriv et tal, ikke »ti«.",
        ("aktiviteter", 5, "udfoeres_af"): (
            "Ukendt gruppe »Chefer«. Skriv en af: Politikere, Forvaltning, "
            "Faglige ledere, Medarbejdere, MED/TR."
        ),
        ("aktiviteter", 5, "grundlag"): "Skriv skøn eller målt.",
        ("aktiviteter", 6, "navn"): "Giv aktiviteten et navn.",
    }
    assert Item.objects.count() == items_before
    assert not Item.objects.filter(reference="R-NY").exists()
    assert sorted(Activity.objects.values_list("pk", flat=True)) == activities_before


def test_activity_sheet_with_missing_columns_and_empty_minutes(roles, register):
    wb = Workbook()
    wb.active.title = "aktiviteter"
    wb.active.append(["reference", "navn", "minutter_pr_gang"])
    wb.active.append(["R-BES", "Skrive", 5])
    buffer = io.BytesIO()
    wb.save(buffer)
    result = register_file.import_register(
        filename="r.xlsx", content=buffer.getvalue(), user=roles.consultant
    )
    assert [(e.table, e.line, e.column) for e in result.errors] == [
        ("aktiviteter", 1, "gange_pr_aar")
    ]
    assert result.errors[0].message == "Disse kolonner mangler: gange_pr_aar"
    content = _workbook(None, [["R-BES", "Skrive", "", 3, "", ""], ["R-BES", "x", 1e12, 3, "", ""]])
    result = register_file.import_register(
        filename="r.xlsx", content=content, user=roles.consultant
    )
    assert [(e.line, e.column, e.message) for e in result.errors] == [
        (2, "minutter_pr_gang", "Skriv et tal."),
        (3, "minutter_pr_gang", "Tallet er for stort: højst 9999999,99."),
    ]


def test_activities_csv_is_recognised_and_checked_like_the_sheet(roles, register):
    visits = register["R-BES"]
    header = "reference;navn;minutter_pr_gang;gange_pr_aar;udfoeres_af;grundlag"
    good = f"{header}\nR-BES;Skrive notat;3,5;200;Faglige ledere;Målt\n".encode()
    bad = f"{header}\nR-BES;Skrive notat;3,5;200;;\nR-UKENDT;Læse;1;-2;;\n".encode()
    result = register_file.import_register(
        filename="aktiviteter.csv", content=bad, user=roles.consultant
    )
    assert {(e.line, e.column): e.message for e in result.errors} == {
        (3, "reference"): "Intet punkt har referencen »R-UKENDT«.",
        (3, "gange_pr_aar"): "Antal gange kan ikke være negativt.",
    }
    assert visits.activities.filter(retired_on__isnull=True).count() == 2
    result = register_file.import_register(
        filename="aktiviteter.csv", content=good, user=roles.consultant
    )
    assert result.errors == []
    assert (result.report.created, result.report.updated, result.report.activities_added) == (
        0,
        1,
        1,
    )
    assert _current(visits) == [
        ("Skrive notat", D("3.5"), D(200), RoleGroup.PROFESSIONAL_LEADERS, EstimateBasis.MEASURED)
    ]


def test_activities_csv_export_round_trips(client, roles, register):
    visits = register["R-BES"]
    login(client, roles.employee)
    response = client.get(reverse("governance:export_activities"))
    assert response.status_code == 200
    assert "aktiviteter" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    assert text.splitlines() == [
        ";".join(ACTIVITY_HEADER),
        "R-BES;Skrive notat;4,5;220;Medarbejdere;Skøn på forhånd",
        "R-BES;Godkende;2,25;12;Faglige ledere;Målt",
        "R-TEST;Afvikle test;45;3;Medarbejdere;Skøn på forhånd",
    ]
    before = _burdens()
    services.delete_activity(activity=visits.activities.get(name="Godkende"))
    result = register_file.import_register(
        filename="aktiviteter.csv", content=response.content, user=roles.consultant
    )
    assert result.errors == []
    assert (result.report.updated, result.report.unchanged, result.report.activities_added) == (
        1,
        1,
        1,
    )
    assert _burdens() == pytest.approx(before)


def test_activity_export_and_import_keep_the_permissions(client, roles, register):
    url = reverse("governance:export_activities")
    assert client.get(url).status_code == 302  # to the login page
    login(client, roles.nobody)
    assert client.get(url).status_code == 403
    assert client.get(reverse("governance:export", args=["xlsx"])).status_code == 403
    login(client, roles.employee)
    assert client.get(url).status_code == 200
    csv_file = io.BytesIO(b"reference;navn;minutter_pr_gang;gange_pr_aar\nR-BES;Ny aktivitet;1;1\n")
    csv_file.name = "aktiviteter.csv"
    login(client, roles.area_consultant)
    assert client.post(reverse("governance:import"), {"file": csv_file}).status_code == 403
    assert not Activity.objects.filter(name="Ny aktivitet").exists()
    login(client, roles.consultant)
    csv_file.seek(0)
    response = client.post(reverse("governance:import"), {"file": csv_file}, follow=True)
    assert "1 tilføjet, 2 slettet" in response.content.decode()
    assert _current(register["R-BES"]) == [
        ("Ny aktivitet", D(1), D(1), RoleGroup.EMPLOYEES, EstimateBasis.ESTIMATE)
    ]


def test_import_page_documents_activities_and_names_the_sheet_of_an_error(client, roles, register):
    login(client, roles.consultant)
    body = client.get(reverse("governance:import")).content.decode()
    for _key, header, _description in register_file.ACTIVITY_COLUMNS:
        assert f"<code>{header}</code>" in body
    assert reverse("governance:export_activities") in body
    upload = io.BytesIO(_workbook(None, [["R-BES", "Skrive", "mange", 3, "", ""]]))
    upload.name = "r.xlsx"
    body = client.post(reverse("governance:import"), {"file": upload}).content.decode()
    assert "Intet blev importeret" in body
    assert (
        "<td>aktiviteter</td><td>2</td><td>minutter_pr_gang</td>"
        "<td>Skriv et tal, ikke »mange«.</td>"
    ) in body
