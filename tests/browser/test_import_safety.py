"""The import safety net in the browser, as the administrator meets it.

The sample organisation file is uploaded over a larger organisation: the
check warns in words, the import waits for a confirmation that names the
number, the full plan can be read page by page, and the applied import is
undone from the history.
"""

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.browser.conftest import assert_accessible, js_errors, login
from tillid.organisation.models import ImportStatus, OrganisationImport, Person, Unit

pytestmark = pytest.mark.django_db(transaction=True)

SAMPLE = Path(settings.BASE_DIR) / "docs" / "samples" / "organisation.xlsx"


def _upload(page, *, dry_run: bool) -> None:
    page.goto(reverse("organisation:import"))
    page.set_input_files("#id_files", str(SAMPLE))
    if dry_run:
        page.check("#id_dry_run")
    with page.expect_navigation():
        page.click("#import-submit")


def test_sample_over_a_larger_organisation_warns_confirms_and_undoes(page, live_server, org, roles):
    # A larger organisation than the sample: 80 more people in Team Nord.
    Person.objects.bulk_create(
        Person(external_id=f"X{i}", name=f"Medarbejder {i}", unit=org.team_north) for i in range(80)
    )
    active_before = set(Person.objects.filter(is_active=True).values_list("external_id", flat=True))
    login(page, live_server, roles.administrator)

    # 1. "Kontrollér kun": a warning in words, not a green success.
    _upload(page, dry_run=True)
    status = page.locator("#import-status")
    assert status.locator(".alert-warning").count() == 1
    assert status.locator(".alert-success").count() == 0
    text = status.inner_text()
    assert "Advarsel" in text
    assert "87 personer" in text
    assert_accessible(page, "the dry run's warning")

    # 2. The real upload waits for a confirmation and shows the plan.
    _upload(page, dry_run=False)
    record = OrganisationImport.objects.filter(dry_run=False).get()
    assert record.status == ImportStatus.AWAITING_CONFIRMATION
    assert "Bekræft deaktiveringerne" in status.inner_text()
    assert set(Person.objects.filter(is_active=True).values_list("external_id", flat=True)) == (
        active_before
    )
    assert_accessible(page, "the confirmation page")
    # Every deactivated person, page by page.
    with page.expect_navigation():
        page.click("a[href*='/aendringer/people/deactivated/']")
    assert "87 ændringer" in page.inner_text("main")
    assert page.locator("main tbody tr").count() == settings.TILLID_PAGE_SIZE
    assert_accessible(page, "the list of deactivated people")
    page.go_back()

    # 3. Without the tick nothing happens; with it the import runs.
    confirm = page.locator("#confirm-form")
    label = confirm.locator("label[for='id_confirm']").inner_text()
    assert "87 personer" in label
    with page.expect_navigation():
        confirm.locator("button[type=submit]").click()
    assert OrganisationImport.objects.get(pk=record.pk).status == ImportStatus.AWAITING_CONFIRMATION
    page.check("#id_confirm")
    with page.expect_navigation():
        page.locator("#confirm-form button[type=submit]").click()
    assert OrganisationImport.objects.get(pk=record.pk).status == ImportStatus.SUCCEEDED
    assert "Organisationen er importeret" in page.inner_text("#import-status")
    assert not Person.objects.get(external_id="X1").is_active
    assert Unit.objects.get(external_id="TEK").is_active
    assert_accessible(page, "the imported organisation's report")

    # 4. Undo: the organisation is back as it was.
    page.check("#undo-form input[name=confirm]")
    with page.expect_navigation():
        page.locator("#undo-form button[type=submit]").click()
    text = page.inner_text("main")
    assert "Importen er fortrudt" in text
    assert set(Person.objects.filter(is_active=True).values_list("external_id", flat=True)) == (
        active_before
    )
    assert not Unit.objects.get(external_id="TEK").is_active
    assert_accessible(page, "the undone import")
    assert js_errors(page) == []
