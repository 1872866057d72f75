"""The import safety net: a confirmation for large deactivations, warnings, and the undo."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from tillid.organisation import services
from tillid.organisation.models import ImportStatus, OrganisationImport, Person, Unit
from tillid.organisation.testing import PASSWORD
from tillid.organisation.tests.test_import_service import (
    BASE_PEOPLE,
    BASE_UNITS,
    org_files,
    run,
    snapshot,
)

pytestmark = pytest.mark.django_db

# A larger organisation: the base file plus 40 people in Team Nord.
MANY = [*BASE_PEOPLE, *[[f"N{i}", f"Nord {i}", "", "EGELY-N", "nej"] for i in range(40)]]


def test_deactivating_more_than_the_limit_waits_for_the_number(settings):
    run(people=MANY)
    before = snapshot()
    history = Person.history.count()
    # 10 of 45 people (22 %) would go.
    result = run(people=MANY[:-10])
    assert result.needs_confirmation
    assert result.confirmation.count == 10
    assert result.confirmation.details == {"units": 0, "people": 10}
    safety = result.report["safety"]
    assert safety["people"] == {"active": 45, "deactivated": 10, "share": 10 / 45}
    assert safety["exceeded"]
    assert snapshot() == before
    assert Person.history.count() == history
    # A wrong number confirms nothing.
    assert run(people=MANY[:-10], confirm_deactivations=9).needs_confirmation
    assert snapshot() == before
    result = run(people=MANY[:-10], confirm_deactivations=10)
    assert result.written
    assert Person.objects.filter(is_active=False).count() == 10
    # 4 of 35 people (11 %) is over 10 % too; with the limit raised to 20 % it is not.
    settings.TILLID_IMPORT_DEACTIVATION_LIMIT_PERCENT = 20
    result = run(people=MANY[:-14])
    assert result.written
    assert result.confirmation is None


def test_small_deactivations_need_no_confirmation():
    run(people=MANY)
    result = run(people=MANY[:-4])  # 4 of 45 people: 8.9 %
    assert result.written
    assert result.confirmation is None
    assert not result.report["safety"]["exceeded"]


def test_dry_run_reports_the_danger_without_waiting():
    run(people=MANY)
    result = run(people=MANY[:5], dry_run=True)
    assert result.ok
    assert not result.written
    assert not result.needs_confirmation  # a dry run never waits
    assert result.report["safety"]["exceeded"]
    assert result.report["safety"]["large"]


def test_undo_restores_the_state_before_the_import_from_history():
    run(people=MANY)
    before = snapshot()
    units = [row[:] for row in BASE_UNITS if row[0] != "EGELY-S"]
    units[4][1] = "Team Nordlys"
    units.append(["SKOLE", "Skoleområdet", "BOU", "område"])
    people = [row[:] for row in MANY if row[0] != "P4"][:20]
    people[1][3] = "EGELY"
    people.append(["P9", "Ny Person", "", "SKOLE", "ja"])
    record = services.create_import(files=org_files(units, people), dry_run=False)
    record = services.run_import(import_id=record.pk)
    assert record.status == ImportStatus.AWAITING_CONFIRMATION
    count = record.report["safety"]["deactivations"]
    services.confirm_import(import_id=record.pk, count=count)
    record = services.run_import(import_id=record.pk)
    assert record.status == ImportStatus.SUCCEEDED
    assert record.applied_at is not None
    assert record.changes["people"]["deactivated"]  # every change is kept for the lists
    assert len(record.changes["people"]["deactivated"]) == count - 1
    assert snapshot() != before
    undone = services.undo_import(import_id=record.pk)
    assert undone.undone_at is not None
    units_after, people_after = snapshot()
    units_before, people_before = before
    # Everything that existed is as before; what the import added is inactive.
    assert {k: v for k, v in units_after.items() if k in units_before} == units_before
    assert units_after["SKOLE"][3] is False
    assert {k: v for k, v in people_after.items() if k in people_before} == people_before
    assert people_after["P9"][4] is False
    egely = Unit.objects.get(external_id="EGELY")
    assert Unit.objects.get(external_id="EGELY-N").path.startswith(egely.path)
    assert undone.undo_report["people"]["reactivated"] == count - 1
    assert undone.undo_report["people"]["deactivated"] == 1
    assert undone.undo_report["units"] == {"restored": 1, "reactivated": 1, "deactivated": 1}
    assert Person.history.filter(history_change_reason=services.UNDO_REASON).exists()
    # Once is enough.
    with pytest.raises(services.ImportCannotBeUndone):
        services.undo_import(import_id=record.pk)


def test_only_the_latest_import_within_the_period_can_be_undone(settings):
    first = services.run_import(
        import_id=services.create_import(files=org_files(), dry_run=False).pk
    )
    second = services.run_import(
        import_id=services.create_import(
            files=org_files(units=[*BASE_UNITS, ["NY", "Ny", "K", "forvaltning"]]), dry_run=False
        ).pk
    )
    assert services.undo_refusal(first)
    with pytest.raises(services.ImportCannotBeUndone):
        services.undo_import(import_id=first.pk)
    dry = services.run_import(import_id=services.create_import(files=org_files(), dry_run=True).pk)
    assert services.undo_refusal(dry)
    later = second.applied_at + timedelta(days=settings.TILLID_IMPORT_UNDO_DAYS, minutes=1)
    assert services.undo_refusal(second, now=later)
    assert services.undo_refusal(second, now=timezone.now()) is None


def test_command_needs_the_number_and_undoes(tmp_path, capsys):
    def paths(people):
        result = []
        for name, content in org_files(people=people):
            (tmp_path / name).write_bytes(content)
            result.append(str(tmp_path / name))
        return result

    call_command("import_organisation", *paths(MANY))
    before = snapshot()
    with pytest.raises(CommandError) as exc:
        call_command("import_organisation", *paths(MANY[:5]))
    assert "--confirm-deactivations 40" in str(exc.value)
    assert snapshot() == before
    call_command("import_organisation", *paths(MANY[:5]), "--confirm-deactivations", "40")
    assert Person.objects.filter(is_active=True).count() == 5
    out = capsys.readouterr().out
    assert "undo_organisation_import" in out
    call_command("undo_organisation_import")
    assert snapshot() == before
    # Undoing goes backwards: next comes the first import, then nothing is left.
    call_command("undo_organisation_import")
    assert not Person.objects.filter(is_active=True).exists()
    with pytest.raises(CommandError):
        call_command("undo_organisation_import")


def test_pages_confirm_list_and_undo(client, roles, settings):
    assert client.login(username=roles.administrator.username, password=PASSWORD)
    settings.TILLID_PAGE_SIZE = 5
    before = snapshot()
    response = client.post(reverse("organisation:import"), {"files": _uploads(org_files())})
    record = OrganisationImport.objects.get()
    assert record.status == ImportStatus.AWAITING_CONFIRMATION
    page = client.get(response["Location"])
    body = page.content.decode()
    assert "alert-warning" in body
    assert "alert-success" not in body
    assert reverse("organisation:import_confirm", args=[record.pk]) in body
    assert page.context["deactivated_units"] == 3
    assert page.context["deactivated_people"] == 2
    # Without the tick nothing happens.
    client.post(reverse("organisation:import_confirm", args=[record.pk]), {"count": 5})
    assert OrganisationImport.objects.get().status == ImportStatus.AWAITING_CONFIRMATION
    assert snapshot() == before
    # The full list of a kind, paginated.
    url = reverse("organisation:import_changes", args=[record.pk, "units", "deactivated"])
    listing = client.get(url)
    assert listing.context["page_obj"].paginator.count == 3
    assert client.get(url, {"q": "egeskolen"}).context["page_obj"].paginator.count == 2
    assert (
        client.get(reverse("organisation:import_changes", args=[record.pk, "x", "y"])).status_code
        == 404
    )
    client.post(
        reverse("organisation:import_confirm", args=[record.pk]), {"count": 5, "confirm": "on"}
    )
    record.refresh_from_db()
    assert record.status == ImportStatus.SUCCEEDED
    assert not Unit.objects.get(external_id="SKOLE").is_active
    page = client.get(reverse("organisation:import_status", args=[record.pk]))
    assert page.context["undo_form"] is not None
    client.post(reverse("organisation:import_undo", args=[record.pk]), {"confirm": "on"})
    record.refresh_from_db()
    assert record.undone_at is not None
    assert snapshot()[0]["SKOLE"] == before[0]["SKOLE"]
    page = client.get(reverse("organisation:import_status", args=[record.pk]))
    assert "undo_form" not in page.context
    assert [row["reactivated"] for row in page.context["undo_rows"]] == [3, 2]
    # Others may not.
    assert client.login(username=roles.area_consultant.username, password=PASSWORD)
    assert client.post(reverse("organisation:import_undo", args=[record.pk])).status_code == 403


def test_dry_run_page_warns_in_words(client, roles):
    assert client.login(username=roles.administrator.username, password=PASSWORD)
    response = client.post(
        reverse("organisation:import"), {"files": _uploads(org_files()), "dry_run": "on"}
    )
    body = client.get(response["Location"]).content.decode()
    assert "alert-warning" in body
    assert "alert-success" not in body


def _uploads(files):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return [SimpleUploadedFile(name, content) for name, content in files]


def test_undo_restores_rows_that_had_no_history(org):
    # Written without history (a script's bulk_create): the import records their
    # state before it changes them, so the undo can put them back.
    Person.objects.bulk_create(
        Person(external_id=f"X{i}", name=f"X {i}", unit=org.team_north) for i in range(20)
    )
    before = snapshot()
    units = [
        [u.external_id, u.name, u.parent.external_id if u.parent else "", u.kind]
        for u in Unit.objects.select_related("parent")
    ]
    people = [
        [p.external_id, p.name, p.email, p.unit.external_id, "nej"] for p in Person.objects.all()
    ]
    people = [row for row in people if not row[0].startswith("X")]
    record = services.create_import(files=org_files(units, people), dry_run=False)
    services.run_import(import_id=record.pk)
    services.confirm_import(import_id=record.pk, count=20)
    record = services.run_import(import_id=record.pk)
    assert Person.objects.filter(is_active=False).count() == 20
    assert Person.history.filter(history_change_reason=services.BASELINE_REASON).count() == 20
    services.undo_import(import_id=record.pk)
    # The file said "nej" for the leaders, so they lost the flag; the undo gives it back.
    assert snapshot() == before
