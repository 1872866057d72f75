import io
import json
from datetime import date

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from tillid.compass import indicators as compass_indicators
from tillid.compass import instruments as files
from tillid.compass import selectors
from tillid.compass.models import (
    DialogueAction,
    DialogueMeeting,
    Instrument,
    Invitation,
    Response,
    RoleGroup,
    Round,
)
from tillid.core.indicators import Period, Scope
from tillid.organisation.testing import PASSWORD

pytestmark = pytest.mark.django_db


def _csv(rows: list[str]) -> bytes:
    return ("\n".join(rows) + "\n").encode("utf-8")


def test_shipped_instruments_are_sound():
    for name in files.DEFAULT_FILES:
        data = files.parse((files.INSTRUMENT_DIR / name).read_bytes())
        assert files.validate(data) == []
        for dim in data["dimensions"]:
            assert len(dim["items"]) >= 3
    employee = files.parse((files.INSTRUMENT_DIR / files.DEFAULT_FILES[0]).read_bytes())
    families = {d["family"] for d in employee["dimensions"]}
    assert families == {"compass", "tripod", "relations", "governance"}
    assert len(employee["dimensions"]) == 18


def test_import_instrument_command_is_idempotent_and_validates(tmp_path):
    path = files.INSTRUMENT_DIR / files.DEFAULT_FILES[0]
    out = io.StringIO()
    call_command("compass_import_instrument", str(path), stdout=out)
    assert "loaded" in out.getvalue()
    call_command("compass_import_instrument", str(path), stdout=out)
    assert "unchanged" in out.getvalue()
    assert Instrument.objects.count() == 1
    bad = yaml.safe_load(path.read_text(encoding="utf-8"))
    bad["dimensions"][0]["items"] = ["cul1", "nope"]
    bad["version"] = 7
    bad_path = tmp_path / "bad.yaml"
    bad_path.write_text(yaml.safe_dump(bad, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CommandError) as exc:
        call_command("compass_import_instrument", str(bad_path))
    assert "mindst tre spørgsmål" in str(exc.value)
    assert "ukendte spørgsmål: nope" in str(exc.value)
    assert not Instrument.objects.filter(version=7).exists()


def test_import_responses_all_or_nothing_with_line_errors(tmp_path, org, instruments):
    bad = tmp_path / "gammel.csv"
    bad.write_bytes(
        _csv(
            [
                "enhed;rolle;cul1;cul2;cul3",
                "EGELY-N;medarbejder;4;5;ved ikke",
                "EGELY-N;chef;4;5;3",
                "UKENDT;;4;5;3",
                "EGELY-S;;9;5;3",
            ]
        )
    )
    with pytest.raises(CommandError):
        call_command(
            "compass_import_responses",
            str(bad),
            "--instrument",
            "tillidskompas",
            "--round",
            "Gammel 2024",
            stderr=io.StringIO(),
        )
    assert not Round.objects.exists()
    assert not Response.objects.exists()
    good = tmp_path / "god.csv"
    good.write_bytes(
        _csv(
            ["enhed;rolle;cul1;cul2;cul3;kommentar"]
            + [f"EGELY-N;medarbejder;4;5;ved ikke;Fint {i}" for i in range(6)]
            + ["EGELY-N;leder;5;5;5;"]
        )
    )
    out = io.StringIO()
    call_command(
        "compass_import_responses",
        str(good),
        "--instrument",
        "tillidskompas",
        "--round",
        "Gammel 2024",
        "--date",
        "2024-05-01",
        stdout=out,
    )
    round_ = Round.objects.get(name="Gammel 2024")
    assert round_.is_imported
    assert round_.is_closed
    assert Response.objects.filter(round=round_).count() == 7
    assert Response.objects.filter(role_group=RoleGroup.LEADER).count() == 1
    assert not Invitation.objects.exists()
    results = selectors.round_results(round_)
    assert results.score("culture", org.team_north.pk).n == 7


def test_import_page_reports_errors_in_danish(client, org, instruments, roles):
    assert client.login(username=roles.consultant.username, password=PASSWORD)
    upload = SimpleUploadedFile(
        "svar.csv", _csv(["enhed;cul1;xyz", "EGELY-N;7;1"]), content_type="text/csv"
    )
    response = client.post(
        reverse("compass:import"),
        {
            "instrument": instruments.employee.pk,
            "name": "Gammel",
            "root": org.root.pk,
            "closes_on": "2024-03-01",
            "file": upload,
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Intet blev importeret" in body
    assert "Ukendt kolonne" in body
    assert "Linje 2" in body
    assert not Round.objects.exists()


def test_demo_builder_is_deterministic_and_complete(org, roles, person_user):
    from tillid.compass.demo import build_demo

    lines = []
    build_demo(seed=3, log=lines.append)
    rounds = list(Round.objects.order_by("opens_on"))
    assert len(rounds) == 4
    assert [r.is_closed for r in rounds] == [True, True, True, False]
    first = sorted(
        json.dumps(a, sort_keys=True)
        for a in Response.objects.filter(round=rounds[0]).values_list("answers", flat=True)
    )
    assert DialogueMeeting.objects.exists()
    assert any("dialogmøder" in line for line in lines)
    # The follow-up loop has history: actions done and checked, some overdue.
    assert DialogueAction.objects.exclude(checked_on=None).exists()
    assert DialogueAction.objects.filter(status="done").exclude(closed_on=None).exists()
    found = {
        i.code: i
        for i in compass_indicators.indicators(
            scope=Scope(), period=Period(rounds[0].opens_on, timezone.localdate())
        )
    }
    assert found["compass.trust_compass"].value is not None
    assert len(found["compass.trust_compass"].trend) == 3
    assert len([p for p in found["compass.trust_compass"].trend if p.value]) >= 2
    # (Too small an organisation for results per unit, so no meetings are expected.)
    for code in ("compass.dialogue_actions", "compass.dialogue_checks"):
        assert found[code].value, code
    # Again from scratch with the same seed: the same answers.
    Response.objects.all().delete()
    Invitation.objects.all().delete()
    DialogueMeeting.objects.all().delete()
    Round.objects.all().delete()
    build_demo(seed=3, log=lines.append)
    again = sorted(
        json.dumps(a, sort_keys=True)
        for a in Response.objects.filter(
            round=Round.objects.order_by("opens_on").first()
        ).values_list("answers", flat=True)
    )
    assert again == first


def test_nav_entry_and_index_for_roles(client, roles):
    assert client.login(username=roles.employee.username, password=PASSWORD)
    home = client.get(reverse("home")).content.decode()
    assert "Tillidskompas" in home
    assert reverse("compass:index") in home
    client.logout()
    assert client.login(username=roles.nobody.username, password=PASSWORD)
    assert client.get(reverse("compass:index")).status_code == 403


def _upper_case_instrument():
    """The shipped instrument with its items coded A1 … as survey tools export them."""
    from tillid.compass import services

    data = files.parse((files.INSTRUMENT_DIR / files.DEFAULT_FILES[0]).read_bytes())
    letters = "ABCDEFGHIJKLMNO"
    renamed = {
        item["code"]: f"{letters[i // 5]}{i % 5 + 1}" for i, item in enumerate(data["items"])
    }
    for item in data["items"]:
        item["code"] = renamed[item["code"]]
    for dim in data["dimensions"]:
        dim["items"] = [renamed[code] for code in dim["items"]]
    data["code"] = "kompas-store-bogstaver"
    instrument, _created = services.import_instrument(data=data)
    return instrument, renamed


def test_import_matches_upper_case_item_codes_and_keeps_them(tmp_path, org):
    instrument, renamed = _upper_case_instrument()
    culture = [renamed[c] for c in ("cul1", "cul2", "cul3")]
    assert culture == ["A1", "A2", "A3"]
    # Headers as the survey tool wrote them, one in lower case as typed by hand.
    header = "enhed;rolle;A1;A2;a3"
    path = tmp_path / "eksport.csv"
    path.write_bytes(_csv([header] + ["EGELY-N;medarbejder;4;5;3"] * 6 + ["EGELY-N;leder;5;5;5"]))
    call_command(
        "compass_import_responses",
        str(path),
        "--instrument",
        instrument.code,
        "--round",
        "Eksport 2023",
        "--date",
        "2023-11-01",
        stdout=io.StringIO(),
    )
    round_ = Round.objects.get(name="Eksport 2023")
    responses = list(Response.objects.filter(round=round_))
    assert len(responses) == 7
    assert {tuple(sorted(r.answers)) for r in responses} == {("A1", "A2", "A3")}
    assert sorted(r.answers["A3"] for r in responses) == [3] * 6 + [5]
    results = selectors.round_results(round_)
    assert results.score("culture", org.team_north.pk).n == 7


def test_import_reports_upper_case_columns_as_written(tmp_path, org):
    from tillid.compass import imports

    instrument, _renamed = _upper_case_instrument()
    result = imports.import_responses(
        instrument=instrument,
        name="Forkert",
        root=org.root,
        closes_on=date(2023, 1, 1),
        filename="svar.csv",
        content=_csv(["Enhed;A1;ZZ9", "EGELY-N;8;1"]),
    )
    assert not result.ok
    assert {(e.line, e.column) for e in result.errors} == {(1, "ZZ9"), (2, "A1")}
    assert not Round.objects.exists()
