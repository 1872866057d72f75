"""The KLE list: KL's XML and JSON read all or nothing, updated by command, units tagged."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from tillid.organisation import selectors, services
from tillid.organisation.kle import SHIPPED_FILE, KLEFormatError, parse_kle
from tillid.organisation.models import KLELevel, KLENumber
from tillid.organisation.testing import PASSWORD

XML = """<?xml version="1.0" encoding="utf-8"?>
<KLE-Emneplan xmlns="http://www.kle-online.dk/schema">
  <UdgivelsesDato>2026-02-01</UdgivelsesDato>
  <Hovedgruppe>
    <HovedgruppeNr>27</HovedgruppeNr><HovedgruppeTitel>Social service</HovedgruppeTitel>
    <Gruppe>
      <GruppeNr>27.36</GruppeNr><GruppeTitel>Personlig og praktisk hjælp</GruppeTitel>
      <Emne><EmneNr>27.36.04</EmneNr><EmneTitel>Personlig pleje</EmneTitel></Emne>
      <Emne><EmneNr>27.36.08</EmneNr><EmneTitel>Praktisk hjælp</EmneTitel>
        <EmneAdministrativInfo><UdgaaetDato>2025-06-30</UdgaaetDato></EmneAdministrativInfo></Emne>
    </Gruppe>
  </Hovedgruppe>
</KLE-Emneplan>""".encode()


def test_xml_and_json_give_the_same_numbers():
    plan = parse_kle(XML)
    as_json = {
        "KLE-Emneplan": {
            "UdgivelsesDato": "2026-02-01",
            "Hovedgruppe": {
                "HovedgruppeNr": "27",
                "HovedgruppeTitel": "Social service",
                "Gruppe": [
                    {
                        "GruppeNr": "27.36",
                        "GruppeTitel": "Personlig og praktisk hjælp",
                        "Emne": [
                            {"EmneNr": "27.36.04", "EmneTitel": "Personlig pleje"},
                            {
                                "EmneNr": "27.36.08",
                                "EmneTitel": "Praktisk hjælp",
                                "EmneAdministrativInfo": {"UdgaaetDato": "2025-06-30"},
                            },
                        ],
                    }
                ],
            },
        }
    }
    assert parse_kle(json.dumps(as_json).encode()) == plan
    assert plan.published_on == "2026-02-01"
    assert [(e.number, e.level, e.parent) for e in plan.entries] == [
        ("27", KLELevel.MAIN_GROUP, None),
        ("27.36", KLELevel.GROUP, "27"),
        ("27.36.04", KLELevel.TOPIC, "27.36"),
        ("27.36.08", KLELevel.TOPIC, "27.36"),
    ]
    assert plan.entries[-1].expired_on.isoformat() == "2025-06-30"


def test_a_bad_file_lists_every_problem():
    bad = XML.replace(b"27.36.04", b"27.37.04").replace(
        b"<EmneTitel>Praktisk hj\xc3\xa6lp", b"<EmneTitel>"
    )
    with pytest.raises(KLEFormatError) as caught:
        parse_kle(bad.replace(b"<GruppeNr>27.36<", b"<GruppeNr>2736<"))
    assert any("2736" in e for e in caught.value.errors)
    with pytest.raises(KLEFormatError) as caught:
        parse_kle(bad)
    assert len(caught.value.errors) == 2  # a topic under the wrong group, a topic without title
    with pytest.raises(KLEFormatError):
        parse_kle(b"<html>not KLE</html>")
    with pytest.raises(KLEFormatError):
        parse_kle(b"{not json")


@pytest.mark.django_db
def test_update_adds_changes_retires_and_a_second_run_writes_nothing():
    report = services.update_kle(plan=parse_kle(XML))
    assert (report.added, report.changed, report.retired) == (4, 0, 0)
    assert KLENumber.objects.get(number="27.36.04").parent.number == "27.36"
    again = services.update_kle(plan=parse_kle(XML))
    assert (again.added, again.changed, again.retired, again.unchanged) == (0, 0, 0, 4)
    newer = XML.replace(b"Personlig pleje", b"Personlig pleje og omsorg").replace(
        b"<Emne><EmneNr>27.36.04",
        b"<Emne><EmneNr>27.36.12</EmneNr><EmneTitel>Visitation</EmneTitel></Emne><Emne><EmneNr>27.36.04",
    )
    report = services.update_kle(plan=parse_kle(newer))
    assert (report.added, report.changed, report.retired) == (1, 1, 0)
    # A number the new file lacks is kept, marked retired.
    report = services.update_kle(plan=parse_kle(XML))
    assert report.retired == 1
    assert KLENumber.objects.get(number="27.36.12").expired_on is not None
    assert [k.number for k in selectors.search_kle("27.36")] == ["27.36", "27.36.04"]
    assert [k.number for k in selectors.search_kle("pleje")] == ["27.36.04"]


@pytest.mark.django_db
def test_command_loads_the_shipped_list_and_refuses_a_bad_file(tmp_path, capsys):
    call_command("kle_update")
    assert "KLE 2026-01-15: 62 tilføjet, 0 ændret" in capsys.readouterr().out
    assert KLENumber.objects.filter(number="27.24.00", title__startswith="Særlig støtte").exists()
    count = KLENumber.objects.count()
    assert count == len(parse_kle(SHIPPED_FILE.read_bytes()).entries)
    bad = tmp_path / "kle.xml"
    bad.write_bytes(
        b"<KLE-Emneplan><Hovedgruppe><HovedgruppeNr>x</HovedgruppeNr></Hovedgruppe></KLE-Emneplan>"
    )
    with pytest.raises(CommandError) as caught:
        call_command("kle_update", str(bad))
    assert "nothing was saved" in str(caught.value) or "intet er gemt" in str(caught.value)
    assert KLENumber.objects.count() == count
    with pytest.raises(CommandError):
        call_command("kle_update", str(tmp_path / "missing.xml"))


@pytest.mark.django_db
def test_dry_run_saves_nothing(tmp_path):
    path = tmp_path / "kle.xml"
    path.write_bytes(XML)
    call_command("kle_update", str(path), "--dry-run")
    assert not KLENumber.objects.exists()


@pytest.fixture
def kle(db):
    services.update_kle(plan=parse_kle(SHIPPED_FILE.read_bytes()))


def test_units_tagged_with_a_task_area_topmost_only(org, kle):
    services.set_unit_kle(unit=org.elder, numbers=["27.36"])
    services.set_unit_kle(unit=org.care_home, numbers=["27.36.04"])
    services.set_unit_kle(unit=org.school, numbers=["17.01"])
    services.set_unit_kle(unit=org.team_south, numbers=["27.36.08"])
    # A topic of the group: the area tagged with the group covers it; its units are below.
    assert selectors.units_tagged_with("27.36.04") == [org.elder]
    # The main group: units doing part of it are found through their more specific tags.
    assert selectors.units_tagged_with("27") == [org.elder]
    assert selectors.units_tagged_with("17.01.08") == [org.school]
    assert selectors.units_tagged_with("28.01.04") == []
    with pytest.raises(services.UnknownKLENumbers) as caught:
        services.set_unit_kle(unit=org.school, numbers=["17.01", "99.99"])
    assert caught.value.numbers == ["99.99"]
    assert list(org.school.kle_numbers.values_list("number", flat=True)) == ["17.01"]


def test_unit_page_shows_and_administrators_set_task_areas(client, org, roles, kle):
    url = reverse("organisation:unit_kle", args=[org.care_home.pk])
    assert client.login(username=roles.leader.username, password=PASSWORD)
    assert client.get(url).status_code == 403
    assert client.login(username=roles.administrator.username, password=PASSWORD)
    page = client.post(url, {"numbers": "27.36, 99.99"}).content.decode()
    assert "Ukendte KLE-numre: 99.99" in page
    assert not org.care_home.kle_numbers.exists()
    assert client.post(url, {"numbers": "27.36; 29.09.04"}).status_code == 302
    page = client.get(reverse("organisation:unit", args=[org.care_home.pk])).content.decode()
    assert "27.36 Personlig og praktisk hjælp" in page
    assert "29.09.04 Medicinhåndtering" in page


def test_kle_search_gives_datalist_options(client, roles, kle):
    assert client.login(username=roles.employee.username, password=PASSWORD)
    html = client.get(reverse("organisation:kle_search"), {"q": "medicin"}).content.decode()
    assert '<option value="29.09.04 Medicinhåndtering">' in html
    assert (
        "32.24.32"
        not in client.get(reverse("organisation:kle_search"), {"q": "32.24"}).content.decode()
    )
