"""The upload page, the status page with its progress, and the command."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from tillid.organisation import services, views
from tillid.organisation.models import ImportStatus, OrganisationImport, Person, Unit
from tillid.organisation.testing import login
from tillid.organisation.tests.test_import_service import (
    BASE_PEOPLE,
    BASE_UNITS,
    SAMPLES,
    org_files,
)

pytestmark = pytest.mark.django_db


def uploads(files):
    return [SimpleUploadedFile(name, content) for name, content in files]


def post(client, files, *, follow=False, **data):
    return client.post(
        reverse("organisation:import"), {"files": uploads(files), **data}, follow=follow
    )


NEW_UNIT = ["NY", "Ny forvaltning", "K", "forvaltning"]


def test_only_organisation_wide_importers_may_open_the_page(client, roles):
    url = reverse("organisation:import")
    for user in (roles.leader, roles.employee, roles.area_consultant, roles.politician):
        login(client, user)
        assert client.get(url).status_code == 403
        assert post(client, org_files()).status_code == 403
    assert not OrganisationImport.objects.exists()
    login(client, roles.consultant)
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert reverse("organisation:import_sample", args=["organisation.xlsx"]) in body
    # The empty state, in Danish (compiled catalogue) or the English msgid.
    assert (
        "Der er ikke importeret nogen fil endnu." in body
        or "No file has been imported yet." in body
    )


def confirm(client, record, count):
    """The administrator confirms the deactivations the import waits for."""
    response = client.post(
        reverse("organisation:import_confirm", args=[record.pk]), {"count": count, "confirm": "on"}
    )
    assert response.status_code == 302
    return response


def test_upload_imports_inline_and_shows_the_report(client, roles):
    login(client, roles.administrator)
    response = post(client, org_files(units=[*BASE_UNITS, NEW_UNIT]))
    record = OrganisationImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("organisation:import_status", args=[record.pk])
    # 3 of 10 units and 2 of 7 people go: more than 10 %, so it waits for a yes.
    assert record.status == ImportStatus.AWAITING_CONFIRMATION
    assert not Unit.objects.filter(external_id="NY").exists()
    confirm(client, record, 5)
    record.refresh_from_db()
    assert record.status == ImportStatus.SUCCEEDED
    assert not record.in_background
    assert Unit.objects.filter(external_id="NY", parent__external_id="K").exists()
    response = client.get(response["Location"])
    assert response.status_code == 200
    counts = {
        str(row["label"]): (row["units"], row["people"]) for row in response.context["counts"]
    }
    # The fixture organisation is the file minus NY, plus a school and two people.
    assert counts[str(views._CHANGE_LABELS["added"])] == (1, 0)
    assert counts[str(views._CHANGE_LABELS["deactivated"])] == (3, 2)
    assert counts[str(views._CHANGE_LABELS["moved"])] == (0, 1)
    assert counts[str(views._CHANGE_LABELS["unchanged"])] == (7, 3)
    examples = response.context["examples"]
    assert any(item["external_id"] == "NY" for group in examples for item in group["items"])
    body = response.content.decode()
    assert "hx-trigger" not in body  # finished: no more polling
    assert 'value="100"' in body
    # the list of earlier imports links to it
    body = client.get(reverse("organisation:import")).content.decode()
    assert reverse("organisation:import_status", args=[record.pk]) in body


def test_upload_with_errors_saves_nothing_and_lists_errors(client, roles):
    login(client, roles.consultant)
    units_before, people_before = Unit.objects.count(), Person.objects.count()
    people = [row[:] for row in BASE_PEOPLE]
    people[1][2] = "not-an-email"
    response = post(client, org_files(people=people))
    record = OrganisationImport.objects.get()
    assert record.status == ImportStatus.FAILED
    assert (Unit.objects.count(), Person.objects.count()) == (units_before, people_before)
    response = client.get(response["Location"])
    errors = list(response.context["page_obj"])
    assert [(e["line"], e["column"]) for e in errors] == [(3, "email")]
    assert "not-an-email" in response.content.decode()


def test_long_error_lists_are_paginated(client, roles, settings):
    login(client, roles.consultant)
    people = [[f"X{i}", f"X {i}", "bad", "K", "nej"] for i in range(settings.TILLID_PAGE_SIZE + 5)]
    response = post(client, org_files(people=people))
    page2 = client.get(response["Location"], {"page": 2})
    assert page2.context["error_count"] == settings.TILLID_PAGE_SIZE + 5
    assert len(page2.context["page_obj"].object_list) == 5
    assert page2.context["page_obj"].object_list[0]["line"] == settings.TILLID_PAGE_SIZE + 2


def test_dry_run_from_the_page_changes_nothing(client, roles):
    login(client, roles.consultant)
    units_before = Unit.objects.count()
    response = post(client, org_files(units=[*BASE_UNITS, NEW_UNIT]), dry_run="on")
    record = OrganisationImport.objects.get()
    assert record.dry_run
    assert record.status == ImportStatus.SUCCEEDED
    assert record.report["units"]["counts"]["added"] == 1
    assert Unit.objects.count() == units_before
    assert not Unit.objects.filter(external_id="NY").exists()
    assert client.get(response["Location"]).status_code == 200


def test_large_files_run_in_the_background(client, roles, settings):
    settings.TILLID_IMPORT_INLINE_MAX_ROWS = 1
    login(client, roles.consultant)
    response = post(client, org_files(units=[*BASE_UNITS, NEW_UNIT]))
    record = OrganisationImport.objects.get()
    assert record.status == ImportStatus.AWAITING_CONFIRMATION
    confirm(client, record, 5)  # runs in the background again
    record.refresh_from_db()
    assert record.in_background
    assert record.row_count == len(BASE_UNITS) + 1 + len(BASE_PEOPLE)
    # The test settings run tasks at once (ImmediateBackend).
    assert record.status == ImportStatus.SUCCEEDED
    assert record.processed_rows == record.total_rows
    assert response["Location"] == reverse("organisation:import_status", args=[record.pk])
    assert Person.objects.filter(external_id="P5", unit__external_id="BOU").exists()
    assert Unit.objects.filter(external_id="NY").exists()


def test_status_page_polls_while_running(client, roles):
    login(client, roles.consultant)
    record = services.create_import(
        files=org_files(units=[*BASE_UNITS, NEW_UNIT]), dry_run=False, row_count=13
    )
    OrganisationImport.objects.filter(pk=record.pk).update(
        status=ImportStatus.RUNNING, stage="checking", processed_rows=6, total_rows=24
    )
    url = reverse("organisation:import_status", args=[record.pk])
    body = client.get(url).content.decode()
    assert 'hx-trigger="every 1s"' in body
    assert '<progress id="import-progress"' in body
    assert 'value="25"' in body
    assert "25 %" in body
    assert 'aria-live="polite"' in body
    partial = client.get(url, headers={"HX-Request": "true"})
    assert "<html" not in partial.content.decode()
    assert 'hx-trigger="every 1s"' in partial.content.decode()
    # Looking at the page again neither runs nor repeats the import.
    assert OrganisationImport.objects.get(pk=record.pk).status == ImportStatus.RUNNING
    assert not Unit.objects.filter(external_id="NY").exists()


def test_second_upload_of_a_running_file_is_refused(client, roles):
    login(client, roles.consultant)
    running = services.create_import(files=org_files(), dry_run=False, row_count=12)
    response = post(client, org_files(), follow=True)
    assert OrganisationImport.objects.count() == 1
    assert response.redirect_chain[-1][0] == reverse(
        "organisation:import_status", args=[running.pk]
    )
    messages = [str(m) for m in response.context["messages"]]
    assert len(messages) == 1
    # a finished run of the same task does nothing either
    services.run_import(import_id=running.pk)
    services.confirm_import(import_id=running.pk, count=5)  # 3 units and 2 people go
    services.run_import(import_id=running.pk)
    first = Unit.history.count()
    assert services.run_import(import_id=running.pk).status == ImportStatus.SUCCEEDED
    assert Unit.history.count() == first


def test_upload_form_rejects_other_file_types(client, roles):
    login(client, roles.consultant)
    response = post(client, [("org.pdf", b"%PDF")])
    assert response.status_code == 200
    assert response.context["form"].errors["files"]
    assert not OrganisationImport.objects.exists()


def test_xlsx_sample_through_the_page_and_download(client, roles):
    login(client, roles.consultant)
    content = (SAMPLES / "organisation.xlsx").read_bytes()
    post(client, [("organisation.xlsx", content)])
    record = OrganisationImport.objects.get()
    if record.status == ImportStatus.AWAITING_CONFIRMATION:  # over the fixture organisation
        confirm(client, record, record.report["safety"]["deactivations"])
    assert OrganisationImport.objects.get().status == ImportStatus.SUCCEEDED
    download = client.get(reverse("organisation:import_sample", args=["organisation.xlsx"]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == content
    assert client.get(reverse("organisation:import_sample", args=["secret.txt"])).status_code == 404


def test_command_imports_and_reports(tmp_path, capsys):
    paths = []
    for name, content in org_files():
        path = tmp_path / name
        path.write_bytes(content)
        paths.append(str(path))
    call_command("import_organisation", *paths, "--dry-run")
    assert not Unit.objects.exists()
    call_command("import_organisation", *paths)
    out = capsys.readouterr().out
    assert Unit.objects.filter(is_active=True).count() == len(BASE_UNITS)
    assert "7" in out
    record = OrganisationImport.objects.first()
    assert record.uploaded_by is None
    assert record.status == ImportStatus.SUCCEEDED


def test_command_fails_with_every_error_and_saves_nothing(tmp_path, capsys):
    units = [*BASE_UNITS, ["X", "X", "NOPE", "team"], ["Y", "Y", "K", "planet"]]
    paths = []
    for name, content in org_files(units=units):
        (tmp_path / name).write_bytes(content)
        paths.append(str(tmp_path / name))
    with pytest.raises(CommandError):
        call_command("import_organisation", *paths)
    err = capsys.readouterr().err
    assert "9" in err
    assert "10" in err
    assert not Unit.objects.exists()
    with pytest.raises(CommandError):
        call_command("import_organisation", str(tmp_path / "missing.csv"))
