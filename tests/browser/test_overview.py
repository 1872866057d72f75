"""The overview in the browser: a politician opens it, narrows it to one
forvaltning, follows a figure to the page behind it and downloads the council
report; axe finds nothing serious on the way."""

import pytest
from django.urls import reverse

from tests.browser.conftest import assert_accessible, js_errors, login, screenshot
from tillid.overview import reports, selectors
from tillid.overview.models import ReportRequest

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_politician_follows_frisaettelse_and_takes_the_report(
    make_page, live_server, org, roles, settings
):
    settings.TILLID_MUNICIPALITY_NAME = "Egeskov Kommune"
    page = make_page()
    login(page, live_server, roles.politician)
    page.goto(f"{live_server.url}{reverse('overview:overview')}")
    for track in ["Byrådet", "Forvaltningen", "Den lokale ledelse", "Borgerne", "Medarbejderne"]:
        assert page.locator("h2", has_text=track).count() == 1
    assert_accessible(page, "the overview")

    # Narrow it to Social og Sundhed.
    page.select_option("#id_unit", str(org.social.pk))
    with page.expect_navigation():
        page.click("form.tillid-filter button[type=submit]")
    assert "Viser Social og Sundhed" in page.inner_text("main")
    assert "Hele organisationen" in page.inner_text("main .tillid-indicator")
    assert_accessible(page, "the overview of one forvaltning")
    screenshot(page, "overview-forvaltning")
    overview_url = page.url

    # Download the council report for this scope.
    with page.expect_navigation():
        page.click("text=Lav rådsrapporten")
    assert "Rapporten er klar." in page.inner_text("main")
    assert_accessible(page, "the report's status page")
    with page.expect_download() as info:
        page.click("text=Hent rapporten (PDF)")
    download = info.value
    assert download.suggested_filename.startswith("raadsrapport-")
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as file:
        assert file.read(4) == b"%PDF"
    report = ReportRequest.objects.get()
    assert report.unit == org.social

    # Follow a figure to the page behind it.
    page.goto(overview_url)
    link = page.locator("main .tillid-indicator a", has_text="Siden bag").first
    target = link.get_attribute("href")
    with page.expect_navigation():
        link.click()
    assert page.url.endswith(target)
    assert page.locator("h1").count() == 1
    assert not js_errors(page)

    # The report's pages, as laid out for the PDF, to look at.
    report_page = selectors.report_page(
        scope=selectors.scope_of(org.social),
        scope_name=org.social.name,
        period=selectors.Period(report.start, report.end),
        today=report.end,
    )
    page.set_content(reports.report_html(report_page))
    screenshot(page, "overview-council-report")
