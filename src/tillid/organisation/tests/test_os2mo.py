"""The organisation from OS2mo, against a GraphQL server started by the test.

Set TILLID_TEST_OS2MO_URL (with TILLID_OS2MO_CLIENT_ID and _SECRET) to also
read a real OS2mo in a dry run.
"""

import io
import os
from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from tillid.organisation import os2mo, services
from tillid.organisation.models import (
    ImportSource,
    ImportStatus,
    KLENumber,
    OrganisationImport,
    Person,
    Unit,
)
from tillid.organisation.tests.os2mo_server import OS2moData, OS2moServer, uid

pytestmark = pytest.mark.django_db

TODAY = date.today()


def municipality() -> OS2moData:
    """Egeskov Kommune as OS2mo holds it: six levels, history and the future."""
    data = OS2moData()
    data.unit("Egeskov Kommune", level="N1")
    data.unit("Social og Sundhed", "Egeskov Kommune", level="N2")
    data.unit("Ældreområdet", "Social og Sundhed", level="N3")
    data.unit("Plejecenter Egely", "Ældreområdet", level="N4", kle=("27.12.00", "29.03.00"))
    data.unit("Team Nord", "Plejecenter Egely", level="N5")
    data.unit("Nattevagt Nord", "Team Nord", level="N6")  # deeper than a team
    data.unit("Team Syd", "Plejecenter Egely", level="N5")
    data.unit("Plejecenter Bøgely", "Ældreområdet", level="N4")
    data.unit("Børn og Unge", "Egeskov Kommune", level="N2")
    data.unit("Egeskolen", "Børn og Unge", level="N4", kle=("17.01.00",))
    data.unit("Nedlagt Kontor", "Børn og Unge", level="N3", end=TODAY - timedelta(days=30))
    # Team Syd moved to Bøgely a week ago: two validities.
    data.move("Team Syd", "Plejecenter Bøgely", on=TODAY - timedelta(days=7))
    people = [
        ("Mette Hansen", "Plejecenter Egely"),
        ("Lars Nielsen", "Team Nord"),
        ("Sofie Jensen", "Team Nord"),
        ("Anders Pedersen", "Team Syd"),
        ("Hanne Larsen", "Team Syd"),
        ("Peter Sørensen", "Egeskolen"),
        ("Camilla Rasmussen", "Egeskolen"),
        ("Jens Holm", "Nattevagt Nord"),
        ("Ida Lund", "Team Nord"),
        ("Niels Bach", "Plejecenter Bøgely"),
    ]
    for name, unit in people:
        email = name.lower().replace(" ", ".").replace("ø", "oe").replace("æ", "ae") + "@egeskov.dk"
        data.employee(name, email, phone="+45 12345678")
        data.engagement(name, unit)
    # Two engagements: the primary one counts.
    data.engagement("Ida Lund", "Egeskolen", primary=False, start=date(2012, 1, 1))
    # Starts next month: not yet in the organisation.
    data.employee("Freja Fremtid", "freja@egeskov.dk")
    data.engagement("Freja Fremtid", "Team Nord", start=TODAY + timedelta(days=30))
    # Left last month.
    data.employee("Ole Fratrådt", "ole@egeskov.dk")
    data.engagement("Ole Fratrådt", "Team Syd", end=TODAY - timedelta(days=31))
    # Leaders: Mette leads Egely, Hanne leads Team Syd; a vacant role and an ended one.
    data.manager("Mette Hansen", "Plejecenter Egely")
    data.manager("Hanne Larsen", "Team Syd")
    data.manager(None, "Team Nord")
    data.manager("Lars Nielsen", "Team Nord", end=TODAY - timedelta(days=2))
    return data


@pytest.fixture
def os2mo_server(settings):
    server = OS2moServer(municipality())
    settings.TILLID_OS2MO_URL = server.url
    settings.TILLID_OS2MO_CLIENT_ID = server.client_id
    settings.TILLID_OS2MO_CLIENT_SECRET = server.client_secret
    settings.TILLID_OS2MO_TOKEN_URL = ""
    settings.TILLID_OS2MO_PAGE_SIZE = 4  # several pages of every collection
    settings.TILLID_OS2MO_KINDS = "N1=kommune,N2=forvaltning,N3=område,N4=institution,N5=team"
    yield server
    server.stop()


def sync(*args) -> str:
    out = io.StringIO()
    call_command("sync_os2mo", *args, stdout=out)
    return out.getvalue()


def unit(name: str) -> Unit:
    return Unit.objects.get(name=name)


def test_sync_builds_the_organisation_from_paged_validities(os2mo_server):
    for number in ("27.12.00", "17.01.00"):  # the KLE list knows two of the three
        KLENumber.objects.create(number=number, title=f"Emne {number}", level="topic")
    sync()
    record = OrganisationImport.objects.get()
    assert record.source == ImportSource.OS2MO
    assert record.status == ImportStatus.SUCCEEDED
    assert record.report["units"]["counts"]["added"] == 10  # the closed office is not
    assert not Unit.objects.filter(name="Nedlagt Kontor").exists()
    # Parents, kinds (mapped levels; a unit below a team is a team) and the move.
    assert unit("Plejecenter Egely").parent == unit("Ældreområdet")
    assert unit("Plejecenter Egely").kind == "institution"
    assert unit("Egeskolen").kind == "institution"  # N4 right below a forvaltning
    assert unit("Social og Sundhed").kind == "administration"
    assert unit("Nattevagt Nord").kind == "team"
    assert unit("Nattevagt Nord").parent == unit("Team Nord")
    assert unit("Team Syd").parent == unit("Plejecenter Bøgely")
    assert unit("Nattevagt Nord").path.startswith(unit("Egeskov Kommune").path)
    assert unit("Egeskov Kommune").external_id == uid("unit:Egeskov Kommune")
    # KLE numbers are kept as OS2mo gives them, and become the unit's task areas
    # as far as the KLE list knows them.
    assert unit("Plejecenter Egely").source_kle == ["27.12.00", "29.03.00"]
    assert unit("Egeskolen").source_kle == ["17.01.00"]
    assert [k.number for k in unit("Plejecenter Egely").kle_numbers.all()] == ["27.12.00"]
    assert [k.number for k in unit("Egeskolen").kle_numbers.all()] == ["17.01.00"]
    # People: current engagements only; the primary one; e-mail, not phone.
    names = set(Person.objects.values_list("name", flat=True))
    assert "Freja Fremtid" not in names
    assert "Ole Fratrådt" not in names
    assert len(names) == 10
    ida = Person.objects.get(name="Ida Lund")
    assert ida.unit == unit("Team Nord")
    assert ida.email == "ida.lund@egeskov.dk"
    # Leaders from the manager roles that hold today.
    leaders = {p.name: p.unit.name for p in Person.objects.filter(is_leader=True)}
    assert leaders == {"Mette Hansen": "Plejecenter Egely", "Hanne Larsen": "Team Syd"}
    # Paging: every collection took several pages (page size 4); one token.
    assert os2mo_server.calls.count("org_units") == 3
    assert os2mo_server.calls.count("employees") == 3
    assert os2mo_server.calls.count("engagements") == 4
    assert os2mo_server.calls.count("managers") == 1
    assert os2mo_server.tokens_issued == 1
    # History rows carry the sync's reason.
    assert Person.history.filter(history_change_reason=services.OS2MO_SYNC_REASON).count() == 10


def test_a_sync_that_changes_nothing_writes_nothing(os2mo_server):
    sync()
    imports, history = OrganisationImport.objects.count(), Unit.history.count()
    people_history = Person.history.count()
    out = sync()
    assert "nothing has changed" in out or "intet er ændret" in out.lower()
    assert OrganisationImport.objects.count() == imports
    assert (Unit.history.count(), Person.history.count()) == (history, people_history)


def test_changes_in_os2mo_are_reported_and_can_be_undone(os2mo_server):
    sync()
    before = {p.name: (p.unit.name, p.is_active) for p in Person.objects.all()}
    data = os2mo_server.data
    data.move("Egeskolen", "Social og Sundhed", on=TODAY)
    engagement = data.collections["engagements"][
        next(
            k
            for k, v in data.collections["engagements"].items()
            if v["validities"][0]["person_response"]["uuid"] == uid("person:Sofie Jensen")
        )
    ]
    engagement["validities"][0]["validity"]["to"] = (
        f"{(TODAY - timedelta(days=1)).isoformat()}T00:00:00+01:00"
    )
    data.unit(
        "Plejecenter Egely", "Ældreområdet", level="N4", kle=("27.12.00",), start=TODAY
    )  # a new validity: one KLE number less from today
    data.collections["org_units"][uid("unit:Plejecenter Egely")]["validities"][0]["validity"][
        "to"
    ] = f"{(TODAY - timedelta(days=1)).isoformat()}T00:00:00+01:00"
    sync()
    record = OrganisationImport.objects.order_by("pk").last()
    units, people = record.report["units"]["counts"], record.report["people"]["counts"]
    assert units["moved"] == 1
    assert units["updated"] == 1
    assert people["deactivated"] == 1
    moved = record.report["units"]["examples"]["moved"][0]
    assert moved["detail"] == "Børn og Unge → Social og Sundhed"
    assert unit("Egeskolen").parent == unit("Social og Sundhed")
    assert unit("Plejecenter Egely").source_kle == ["27.12.00"]
    assert not Person.objects.get(name="Sofie Jensen").is_active
    services.undo_import(import_id=record.pk)
    assert unit("Egeskolen").parent == unit("Børn og Unge")
    assert unit("Plejecenter Egely").source_kle == ["27.12.00", "29.03.00"]
    assert {p.name: (p.unit.name, p.is_active) for p in Person.objects.all()} == before


def test_the_safety_net_holds_a_sync_that_deactivates_many(os2mo_server):
    sync()
    data = os2mo_server.data
    for response in data.collections["engagements"].values():
        response["validities"][-1]["validity"]["to"] = (
            f"{(TODAY - timedelta(days=1)).isoformat()}T00:00:00+01:00"
        )
    with pytest.raises(CommandError) as exc:
        sync()
    assert "--confirm-deactivations 8" in str(exc.value)  # the two leaders stay
    waiting = OrganisationImport.objects.order_by("pk").last()
    assert waiting.status == ImportStatus.AWAITING_CONFIRMATION
    assert Person.objects.filter(is_active=True).count() == 10
    sync("--confirm-deactivations", "8")
    assert Person.objects.filter(is_active=True).count() == 2


def test_wrong_credentials_are_refused_and_nothing_is_saved(os2mo_server, settings):
    settings.TILLID_OS2MO_CLIENT_SECRET = "forkert"
    with pytest.raises(CommandError):
        sync()
    assert not Unit.objects.exists()
    assert not OrganisationImport.objects.exists()


def test_a_unit_below_a_missing_parent_is_an_error(os2mo_server):
    os2mo_server.data.unit("Forældreløs", "Findes Ikke", level="N3")
    with pytest.raises(CommandError):
        sync()
    record = OrganisationImport.objects.get()
    assert record.status == ImportStatus.FAILED
    assert "Forældreløs" in record.errors[0]["message"]
    assert not Unit.objects.exists()


def test_the_scheduled_task_syncs(os2mo_server):
    from tillid.organisation.tasks import sync_organisation_from_os2mo

    result = sync_organisation_from_os2mo.enqueue()  # tests run tasks at once
    assert result.return_value == ImportStatus.SUCCEEDED
    assert sync_organisation_from_os2mo.enqueue().return_value == "unchanged"


def test_kinds_by_depth_without_a_mapping(os2mo_server, settings):
    settings.TILLID_OS2MO_KINDS = ""
    snapshot = os2mo.fetch_snapshot(
        os2mo.Client(os2mo.Connection.from_settings()), on=timezone.localdate()
    )
    parsed = os2mo.parse_snapshot(snapshot)
    kinds = {row.name: row.kind for row in parsed.units}
    assert kinds["Egeskov Kommune"] == "municipality"
    assert kinds["Social og Sundhed"] == "administration"
    assert kinds["Egeskolen"] == "area"
    assert kinds["Team Nord"] == "team"
    assert kinds["Nattevagt Nord"] == "team"


@pytest.mark.skipif(not os.environ.get("TILLID_TEST_OS2MO_URL"), reason="no real OS2mo given")
def test_a_real_os2mo_reads_in_a_dry_run(settings):
    settings.TILLID_OS2MO_URL = os.environ["TILLID_TEST_OS2MO_URL"]
    settings.TILLID_OS2MO_CLIENT_ID = os.environ.get("TILLID_OS2MO_CLIENT_ID", "")
    settings.TILLID_OS2MO_CLIENT_SECRET = os.environ.get("TILLID_OS2MO_CLIENT_SECRET", "")
    record = services.sync_from_os2mo(dry_run=True)
    assert record is None or record.status in (ImportStatus.SUCCEEDED, ImportStatus.FAILED)
    assert not Unit.objects.exists()
