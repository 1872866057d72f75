import datetime as dt
import io
from pathlib import Path

import pypdfium2 as pdfium
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tillid.core import contracts
from tillid.organisation.testing import login
from tillid.overview.models import ReportRequest, ReportStatus
from tillid.overview.tests.test_views import fake_followups, fake_indicators

ARTIFACTS = Path(__file__).resolve().parents[4] / "test-artifacts"


def pdf_pages(content: bytes) -> list:
    """Each page of a PDF as (its text, a PIL image at 100 dpi)."""
    document = pdfium.PdfDocument(content)
    pages = []
    for page in document:
        text = " ".join(page.get_textpage().get_text_range().split())
        pages.append((text, page.render(scale=100 / 72).to_pil()))
    return pages


def offer(monkeypatch):
    real = contracts.providers

    def providers(name):
        if name == "overview.indicators":
            return [("test", fake_indicators)]
        if name == "overview.followups":
            return [("test", fake_followups)]
        return real(name)

    monkeypatch.setattr(contracts, "providers", providers)


def test_a_politician_asks_for_the_report_and_downloads_it(
    client, roles, org, monkeypatch, django_capture_on_commit_callbacks, settings
):
    offer(monkeypatch)
    settings.TILLID_MUNICIPALITY_NAME = "Egeskov Kommune"
    login(client, roles.politician)
    today = timezone.localdate()
    start = today - dt.timedelta(days=365)
    page = client.get("/overblik/", {"unit": org.social.pk, "start": start.isoformat()})
    shown = {
        item.indicator.code: (item.value, item.organisation_value)
        for group in page.context["tracks"]
        for item in group.items
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("overview:report_create"),
            {"unit": org.social.pk, "start": start.isoformat(), "end": today.isoformat()},
        )
    report = ReportRequest.objects.get()
    assert response["Location"] == reverse("overview:report", args=[report.pk])
    assert report.status == ReportStatus.DONE
    assert report.progress == 100
    status = client.get(response["Location"])
    assert "Rapporten er klar." in status.content.decode()
    pdf = client.get(reverse("overview:report_file", args=[report.pk, "pdf"]))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")

    # The downloaded PDF's own text (read back by pdfium) shows the page's numbers.
    pages = pdf_pages(pdf.content)
    text = " ".join(page_text for page_text, _image in pages)
    assert shown["test.share"] == ("25 %", "50 %")
    assert "25 %" in text
    assert "Hele organisationen: 50 %" in text
    assert "Egeskov Kommune" in text
    assert "Social og Sundhed" in text
    assert "Indhold" in text  # the table of contents
    assert "Bagud: Under målet på 60 %." in text
    assert "Det, der er forsinket" in text
    assert len(pages) >= 7  # a cover, five tracks, decisions, late, council
    # Each page as a PNG (test-artifacts/council-report/), to look at; none is blank.
    folder = ARTIFACTS / "council-report"
    folder.mkdir(parents=True, exist_ok=True)
    for number, (_page_text, image) in enumerate(pages, start=1):
        image.save(folder / f"page-{number}.png")
        assert image.convert("L").getextrema()[0] < 128, f"page {number} is blank"

    xlsx = client.get(reverse("overview:report_file", args=[report.pk, "xlsx"]))
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames[:5] == [
        "Byrådet", "Forvaltningen", "Den lokale ledelse", "Borgerne", "Medarbejderne",
    ]  # fmt: skip
    employees = list(book["Medarbejderne"].iter_rows(values_only=True))
    assert employees[2][:3] == ("Svarprocent i testen", "25 %", "50 %")


def test_only_the_one_who_asked_sees_the_report(client, roles, monkeypatch):
    offer(monkeypatch)
    report = ReportRequest.objects.create(
        requested_by=roles.consultant, start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31)
    )
    login(client, roles.politician)
    assert client.get(reverse("overview:report", args=[report.pk])).status_code == 404
    login(client, roles.nobody)
    assert client.get(reverse("overview:report", args=[report.pk])).status_code == 403


def test_the_status_page_polls_until_the_report_is_ready(client, roles):
    report = ReportRequest.objects.create(
        requested_by=roles.politician, start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31),
        status=ReportStatus.RUNNING, progress=40,
    )  # fmt: skip
    login(client, roles.politician)
    text = client.get(reverse("overview:report", args=[report.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in text
    assert "40 % færdig." in text
    assert client.get(reverse("overview:report_file", args=[report.pk, "pdf"])).status_code == 404


def test_the_report_over_the_real_modules(roles, org):
    from tillid.overview import building

    report = ReportRequest.objects.create(
        requested_by=roles.politician, unit=org.care_home,
        start=dt.date(2025, 1, 1), end=timezone.localdate(),
    )  # fmt: skip
    report = building.build_report(report_id=report.pk)
    assert report.status == ReportStatus.DONE
    assert bytes(report.pdf).startswith(b"%PDF")
