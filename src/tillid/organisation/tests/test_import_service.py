"""The organisation import against the database: writes, history, idempotence."""

import csv
import io
from pathlib import Path

import pytest
from django.conf import settings

from tillid.organisation import services
from tillid.organisation.importing import read_tables
from tillid.organisation.models import Person, Unit

pytestmark = pytest.mark.django_db

SAMPLES = Path(settings.BASE_DIR) / "docs" / "samples"

UNIT_HEADER = ["external_id", "name", "parent_id", "kind"]
PEOPLE_HEADER = ["external_id", "name", "email", "unit_id", "is_leader"]

BASE_UNITS = [
    ["K", "Egeskov Kommune", "", "kommune"],
    ["SOS", "Social og Sundhed", "K", "forvaltning"],
    ["AELD", "Ældreområdet", "SOS", "område"],
    ["EGELY", "Plejecenter Egely", "AELD", "institution"],
    ["EGELY-N", "Team Nord", "EGELY", "team"],
    ["EGELY-S", "Team Syd", "EGELY", "team"],
    ["BOU", "Børn og Unge", "K", "forvaltning"],
]
BASE_PEOPLE = [
    ["P1", "Mette Hansen", "p1@egeskov.dk", "EGELY", "ja"],
    ["P2", "Lars Nielsen", "p2@egeskov.dk", "EGELY-N", "nej"],
    ["P3", "Sofie Jensen", "", "EGELY-N", ""],
    ["P4", "Anders Pedersen", "p4@egeskov.dk", "EGELY-S", "0"],
    ["P5", "Hanne Larsen", "p5@egeskov.dk", "BOU", "1"],
]


def csv_bytes(header, rows, *, delimiter=";", encoding="utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def org_files(units=None, people=None, **kwargs) -> list[tuple[str, bytes]]:
    return [
        ("units.csv", csv_bytes(UNIT_HEADER, BASE_UNITS if units is None else units, **kwargs)),
        (
            "people.csv",
            csv_bytes(PEOPLE_HEADER, BASE_PEOPLE if people is None else people, **kwargs),
        ),
    ]


def run(
    units=None, people=None, *, dry_run=False, confirm_deactivations=None, **kwargs
) -> services.ImportResult:
    tables, errors = read_tables(org_files(units, people, **kwargs))
    assert not errors
    return services.import_organisation(
        tables=tables, dry_run=dry_run, confirmed_deactivations=confirm_deactivations
    )


def counts(result, table):
    return result.report[table]["counts"]


def history_rows() -> int:
    return Unit.history.count() + Person.history.count()


def snapshot():
    units = {
        u.external_id: (u.name, u.kind, u.parent.external_id if u.parent else "", u.is_active)
        for u in Unit.objects.select_related("parent")
    }
    people = {
        p.external_id: (p.name, p.email, p.unit.external_id, p.is_leader, p.is_active)
        for p in Person.objects.select_related("unit")
    }
    return units, people


def test_first_import_creates_the_tree_with_paths_and_history():
    result = run()
    assert result.ok
    assert counts(result, "units")["added"] == 7
    assert counts(result, "people")["added"] == 5
    team = Unit.objects.get(external_id="EGELY-N")
    chain = [Unit.objects.get(external_id=e).pk for e in ("K", "SOS", "AELD", "EGELY", "EGELY-N")]
    assert team.path == "/" + "/".join(map(str, chain)) + "/"
    assert team.depth == 4
    assert Person.objects.get(external_id="P1").is_leader
    assert not Person.objects.get(external_id="P3").is_leader
    assert Person.objects.get(external_id="P5").unit.external_id == "BOU"
    assert Unit.history.filter(history_type="+").count() == 7
    assert Person.history.filter(history_type="+").count() == 5
    record = Person.history.get(external_id="P5")
    assert record.unit_id == Unit.objects.get(external_id="BOU").pk
    assert record.is_leader
    assert record.history_date is not None
    assert record.history_change_reason == "organisation import"


def test_progress_is_reported_up_to_the_end():
    calls = []
    tables, _errors = read_tables(org_files())
    services.import_organisation(
        tables=tables, progress=lambda **kw: calls.append((kw["stage"], kw["done"], kw["total"]))
    )
    rows = len(BASE_UNITS) + len(BASE_PEOPLE)
    assert calls[0][0] == "checking"
    assert {stage for stage, _d, _t in calls} == {"checking", "saving", "done"}
    assert calls[-1] == ("done", 2 * rows, 2 * rows)
    done = [d for _s, d, _t in calls]
    assert done == sorted(done)


def test_reimporting_the_same_file_changes_nothing():
    run()
    before, history, stamps = (
        snapshot(),
        history_rows(),
        list(Person.objects.order_by("pk").values_list("updated_at", flat=True)),
    )
    result = run()
    assert result.report["changes"] == 0
    assert counts(result, "units")["unchanged"] == 7
    assert counts(result, "people")["unchanged"] == 5
    assert snapshot() == before
    assert history_rows() == history
    assert list(Person.objects.order_by("pk").values_list("updated_at", flat=True)) == stamps


def test_changed_file_reports_renamed_moved_deactivated_and_reactivated():
    run()
    units = [row[:] for row in BASE_UNITS if row[0] != "EGELY-S"]  # Team Syd closes
    units[4][1] = "Team Nordlys"  # renamed
    units.append(["SKOLE", "Skoleområdet", "BOU", "område"])  # added
    units[3][2] = "SOS"  # Egely moves straight under Social og Sundhed
    people = [row[:] for row in BASE_PEOPLE if row[0] != "P4"]
    people[1][3] = "EGELY"  # Lars moves
    people[2][4] = "ja"  # Sofie becomes leader
    people.append(["P6", "Peter Sørensen", "", "SKOLE", "nej"])
    history = history_rows()
    # One of 7 units and one of 5 people go: over 10 %, so it needs a confirmation.
    result = run(units, people)
    assert result.needs_confirmation
    assert result.confirmation.count == 2
    assert history_rows() == history
    result = run(units, people, confirm_deactivations=2)
    assert result.ok
    assert result.written
    u, p = counts(result, "units"), counts(result, "people")
    assert (u["added"], u["renamed"], u["moved"], u["deactivated"]) == (1, 1, 1, 1)
    assert u["unchanged"] == 4
    assert (p["added"], p["moved"], p["updated"], p["deactivated"]) == (1, 1, 1, 1)
    assert p["unchanged"] == 2
    moved = result.report["units"]["examples"]["moved"][0]
    assert moved["external_id"] == "EGELY"
    assert moved["detail"] == "Ældreområdet → Social og Sundhed"
    assert result.report["units"]["examples"]["renamed"][0]["detail"] == "Team Nord"
    assert not Unit.objects.get(external_id="EGELY-S").is_active
    assert not Person.objects.get(external_id="P4").is_active
    lars = Person.history.filter(external_id="P2").order_by("history_id")
    assert [(h.history_type, h.unit.external_id) for h in lars] == [
        ("+", "EGELY-N"),
        ("~", "EGELY"),
    ]
    egely = Unit.objects.get(external_id="EGELY")
    assert egely.depth == 2
    assert Unit.objects.get(external_id="EGELY-N").path.startswith(egely.path)
    # one history row per change: 1 + 3 units changed (rename, move, deactivate),
    # 1 + 3 people changed
    assert history_rows() == history + 8
    assert Unit.history.filter(external_id="EGELY-S").latest("history_id").is_active is False

    result = run(confirm_deactivations=2)  # the old file again: Team Syd and Anders come back
    u, p = counts(result, "units"), counts(result, "people")
    assert u["reactivated"] == 1
    assert p["reactivated"] == 1
    assert u["deactivated"] == 1
    assert p["deactivated"] == 1
    assert Unit.objects.get(external_id="EGELY-S").is_active
    assert Person.objects.get(external_id="P4").is_active
    assert not Unit.objects.get(external_id="SKOLE").is_active


def test_one_bad_row_among_many_saves_nothing():
    run()
    people = [*BASE_PEOPLE, *[[f"N{i}", f"Ny {i}", "", "EGELY-N", "nej"] for i in range(300)]]
    people.append(["BAD", "Bad Row", "not-an-email", "EGELY-N", "nej"])
    units = [*BASE_UNITS, ["NEW", "Ny enhed", "K", "forvaltning"]]
    before, history = snapshot(), history_rows()
    result = run(units, people)
    assert not result.ok
    assert [(e.table, e.line, e.column) for e in result.errors] == [("people", 307, "email")]
    assert snapshot() == before
    assert history_rows() == history


def test_dry_run_reports_without_writing():
    run()
    before, history = snapshot(), history_rows()
    result = run([*BASE_UNITS, ["NEW", "Ny enhed", "K", "forvaltning"]], dry_run=True)
    assert result.ok
    assert result.report["dry_run"]
    assert counts(result, "units")["added"] == 1
    assert snapshot() == before
    assert history_rows() == history


def test_import_keeps_links_to_logins(org, person_user):
    # The fixture organisation, as a file: people keep their logins on re-import.
    user = person_user(org.people["P1"])
    units = [
        [u.external_id, u.name, u.parent.external_id if u.parent else "", u.kind]
        for u in Unit.objects.select_related("parent")
    ]
    people = [
        [p.external_id, p.name, p.email, p.unit.external_id, "ja" if p.is_leader else "nej"]
        for p in Person.objects.select_related("unit")
    ]
    result = run(units, people)
    assert result.report["changes"] == 0
    people = [row for row in people if row[0] != "P1"]
    result = run(units, people, confirm_deactivations=1)
    assert counts(result, "people")["deactivated"] == 1
    person = Person.objects.get(external_id="P1")
    assert not person.is_active
    assert person.user == user


def test_sample_files_import_cleanly_and_agree():
    csv_files = [
        (name, (SAMPLES / name).read_bytes())
        for name in ("organisation-units.csv", "organisation-people.csv")
    ]
    tables, errors = read_tables(csv_files)
    assert not errors
    result = services.import_organisation(tables=tables)
    assert result.ok, result.errors
    assert counts(result, "units")["added"] == 20
    assert counts(result, "people")["added"] >= 30
    # The workbook holds the same organisation with Danish headings.
    tables, errors = read_tables(
        [("organisation.xlsx", (SAMPLES / "organisation.xlsx").read_bytes())]
    )
    assert not errors
    result = services.import_organisation(tables=tables)
    assert result.ok, result.errors
    assert result.report["changes"] == 0
