"""Checking an organisation file: every kind of error, with its line and column."""

import io

import pytest
from django.utils import translation
from openpyxl import Workbook

from tillid.core import tabular
from tillid.organisation.importing import parse_organisation, read_tables
from tillid.organisation.tests.test_import_service import (
    BASE_PEOPLE,
    BASE_UNITS,
    PEOPLE_HEADER,
    UNIT_HEADER,
    csv_bytes,
    org_files,
)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def check(units=None, people=None, *, files=None):
    tables, errors = read_tables(files or org_files(units, people))
    assert not errors
    return parse_organisation(tables)


def places(parsed):
    return [(e.table, e.line, e.column) for e in parsed.errors]


def test_a_good_file_has_no_errors_and_all_rows():
    parsed = check()
    assert parsed.errors == []
    assert len(parsed.units) == len(BASE_UNITS)
    assert len(parsed.people) == len(BASE_PEOPLE)
    assert parsed.people[0].is_leader
    assert not parsed.people[2].is_leader


def test_missing_columns_are_reported_on_line_one():
    files = [
        (
            "units.csv",
            csv_bytes(["external_id", "name", "kind", "type_2"], [["K", "K", "kommune", ""]]),
        ),
        ("people.csv", csv_bytes(["external_id", "email", "is_leader"], [["P1", "", "nej"]])),
    ]
    # "type_2" is unknown and ignored; parent_id is missing
    parsed = check(files=files)
    assert places(parsed) == [
        ("units", 1, "parent_id"),
        ("people", 1, "name"),
        ("people", 1, "unit_id"),
    ]
    assert parsed.errors[0].message == "The column parent_id is missing."


def test_duplicate_column():
    files = org_files()
    files[0] = ("units.csv", csv_bytes([*UNIT_HEADER, "navn"], [[*r, "x"] for r in BASE_UNITS]))
    parsed = check(files=files)
    assert places(parsed) == [("units", 1, "name")]
    assert "more than once" in parsed.errors[0].message


def test_empty_required_cells():
    units = [row[:] for row in BASE_UNITS]
    units[2][1] = ""  # line 4
    people = [row[:] for row in BASE_PEOPLE]
    people[0][3] = ""  # line 2
    people[4][0] = ""  # line 6
    parsed = check(units, people)
    assert places(parsed) == [
        ("units", 4, "name"),
        ("people", 2, "unit_id"),
        ("people", 6, "external_id"),
    ]
    assert parsed.errors[0].message == "This cell must not be empty."
    assert parsed.units == []
    assert parsed.people == []


def test_duplicate_ids():
    units = [*BASE_UNITS, ["SOS", "Social igen", "K", "forvaltning"]]  # line 9
    people = [*BASE_PEOPLE, ["P2", "Lars igen", "", "EGELY", "nej"]]  # line 7
    parsed = check(units, people)
    assert places(parsed) == [("units", 9, "external_id"), ("people", 7, "external_id")]
    assert parsed.errors[0].message == "The id SOS is used more than once (first in line 3)."


def test_unknown_references():
    units = [*BASE_UNITS, ["X", "Ukendt forælder", "NOPE", "team"]]
    people = [*BASE_PEOPLE, ["P9", "Nogen", "", "NOWHERE", "nej"]]
    parsed = check(units, people)
    assert places(parsed) == [("units", 9, "parent_id"), ("people", 7, "unit_id")]
    assert parsed.errors[1].message == "There is no unit with the id NOWHERE in the file."


def test_cycles_and_own_parent():
    units = [
        *BASE_UNITS,
        ["A", "A", "B", "team"],  # 9
        ["B", "B", "A", "team"],  # 10
        ["C", "C", "C", "team"],  # 11
    ]
    parsed = check(units)
    cycle_errors = [e for e in parsed.errors if "circle" in e.message or "own parent" in e.message]
    assert [(e.line, e.column) for e in cycle_errors] == [
        (9, "parent_id"),
        (10, "parent_id"),
        (11, "parent_id"),
    ]
    assert "A → B → A" in cycle_errors[0].message or "B → A → B" in cycle_errors[0].message
    assert cycle_errors[2].message == "A unit cannot be its own parent."


def test_parent_must_be_above_child():
    units = [
        *BASE_UNITS,
        ["SUB", "Underteam", "EGELY-N", "team"],
        ["AR", "Område", "EGELY", "område"],
    ]
    parsed = check(units)
    assert places(parsed) == [("units", 9, "parent_id"), ("units", 10, "parent_id")]
    assert "Team" in parsed.errors[0].message
    assert "Institution" in parsed.errors[1].message


def test_unknown_kind_bad_email_and_bad_leader_flag():
    units = [row[:] for row in BASE_UNITS]
    units[6][3] = "afdeling"  # line 8
    people = [row[:] for row in BASE_PEOPLE]
    people[1][2] = "lars@"  # line 3
    people[3][4] = "måske"  # line 5
    parsed = check(units, people)
    assert places(parsed) == [
        ("units", 8, "kind"),
        ("people", 3, "email"),
        ("people", 5, "is_leader"),
    ]
    assert "afdeling" in parsed.errors[0].message
    assert parsed.errors[1].message == "“lars@” is not a valid e-mail address."
    assert "måske" in parsed.errors[2].message


def test_too_long_text():
    units = [*BASE_UNITS, ["LONG", "x" * 201, "K", "forvaltning"]]
    parsed = check(units)
    assert places(parsed) == [("units", 9, "name")]


def test_missing_tables():
    tables, _errors = read_tables([org_files()[1]])
    parsed = parse_organisation(tables)
    assert places(parsed) == [("units", 0, "")]
    assert "no table of units" in parsed.errors[0].message
    tables, _errors = read_tables([org_files()[0]])
    assert places(parse_organisation(tables)) == [("people", 0, "")]


def test_unrecognisable_csv_and_unreadable_file():
    files = [*org_files(), ("other.csv", csv_bytes(["a", "b"], [["1", "2"]]))]
    parsed = check(files=files)
    assert places(parsed) == [("other.csv", 1, "")]
    _tables, errors = read_tables([("org.xlsx", b"not a workbook")])
    assert [(e.table, e.line) for e in errors] == [("org.xlsx", 0)]


def test_every_error_is_collected_not_just_the_first():
    units = [row[:] for row in BASE_UNITS]
    people = [row[:] for row in BASE_PEOPLE]
    for row in units[1:]:
        row[3] = "?"
    for row in people:
        row[2] = "bad"
    parsed = check(units, people)
    assert len(parsed.errors) == (len(units) - 1) + len(people)


def test_danish_headings_kinds_and_delimiters():
    units = [
        ["1", "Kommunen", "", "Kommune"],
        ["2", "Forvaltningen", "1", "FORVALTNING"],
        ["3", "Området", "2", "omraade"],
        ["4", "Stedet", "3", "institution"],
    ]
    people = [["m1", "Åse Ærø", "aase@x.dk", "4", "Ja"], ["m2", "Bo", "", "3", "x"]]
    files = [
        (
            "a.csv",
            csv_bytes(["Enheds ID", "Navn", "Overordnet ID", "Enhedstype"], units, delimiter=","),
        ),
        (
            "b.csv",
            csv_bytes(
                ["Medarbejder-ID", "Navn", "E-mail", "Enhed ID", "Leder"],
                people,
                delimiter=",",
                encoding="cp1252",
            ),
        ),
    ]
    parsed = check(files=files)
    assert parsed.errors == []
    assert [u.kind for u in parsed.units] == [
        "municipality",
        "administration",
        "area",
        "institution",
    ]
    assert parsed.people[0].name == "Åse Ærø"
    assert [p.is_leader for p in parsed.people] == [True, True]


def test_semicolon_csv_with_commas_in_names():
    people = [*BASE_PEOPLE, ["P7", "Hansen, Mette", "", "EGELY", "nej"]]
    parsed = check(people=people)
    assert parsed.errors == []
    assert parsed.people[-1].name == "Hansen, Mette"


def _workbook(sheets: dict[str, list[list]]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_by_sheet_names_and_by_headers():
    content = _workbook(
        {
            "Vejledning": [["Sådan udfylder du arket"]],
            "Enheder": [UNIT_HEADER, *BASE_UNITS],
            "Ark3": [PEOPLE_HEADER, *BASE_PEOPLE],
        }
    )
    parsed = check(files=[("org.xlsx", content)])
    assert parsed.errors == []
    assert len(parsed.people) == len(BASE_PEOPLE)
    # numbers in cells are ids as text; line numbers are sheet rows
    bad = _workbook(
        {
            "Units": [UNIT_HEADER, [1, "K", None, "kommune"], [2, "S", 1, "team?"]],
            "People": [PEOPLE_HEADER, [10, "A", None, 2, True]],
        }
    )
    parsed = check(files=[("org.xlsx", bad)])
    assert [(e.table, e.line, e.column) for e in parsed.errors] == [("units", 3, "kind")]


def test_fast_xlsx_reader_agrees_with_openpyxl():
    import datetime

    content = _workbook(
        {
            "Enheder": [
                ["id", "Navn", "Dato", "Tal", "Sand", "Formel"],
                [1001, "Åse", datetime.date(2024, 5, 1), 3.5, True, "=1+1"],
                [],
                ["x", "  spaces  ", datetime.datetime(2024, 5, 1, 12, 30), 1e20, False, None],
            ],
            "Personer": [["a"], ["b"]],
        }
    )

    def rows(tables):
        return [(t.name, [(r.line, r.values) for r in t.rows]) for t in tables]

    fast = tabular._read_xlsx_fast(content, {})
    assert rows(fast) == rows(tabular._read_xlsx_openpyxl(content, aliases={}))
    assert fast[0].rows[0].values["dato"] == "2024-05-01"
    assert fast[0].rows[1].line == 4


def test_tab_separated_utf16_and_row_estimate():
    units = csv_bytes(UNIT_HEADER, BASE_UNITS, delimiter="\t")
    units = units.decode().encode("utf-16")  # Excel's "Unicode text": BOM, tabs
    files = [("units.txt", units), org_files()[1]]
    parsed = check(files=files)
    assert parsed.errors == []
    assert len(parsed.units) == len(BASE_UNITS)
    assert tabular.count_rows("people.csv", org_files()[1][1]) == len(BASE_PEOPLE)
