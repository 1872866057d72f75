"""The council report made by the worker (see tasks.build_report)."""

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tillid.overview import reports, selectors
from tillid.overview.models import ReportRequest, ReportStatus


def _progress(report_id: int, percent: int) -> None:
    ReportRequest.objects.filter(pk=report_id).update(progress=percent)


def build_report(*, report_id: int) -> ReportRequest:
    """Make the report's PDF and XLSX and keep them on the request."""
    report = ReportRequest.objects.select_related("unit").get(pk=report_id)
    ReportRequest.objects.filter(pk=report_id).update(status=ReportStatus.RUNNING, progress=5)
    try:
        with translation.override(settings.LANGUAGE_CODE):
            page = report_page_for(report)
            _progress(report_id, 10)
            html = reports.report_html(page, progress=lambda p: _progress(report_id, p))
            _document, pdf = reports.render_pdf(html)
            _progress(report_id, 90)
            xlsx = reports.report_xlsx(page)
    except Exception as error:
        ReportRequest.objects.filter(pk=report_id).update(
            status=ReportStatus.FAILED, error=repr(error)[:2000], finished_at=timezone.now()
        )
        raise
    ReportRequest.objects.filter(pk=report_id).update(
        status=ReportStatus.DONE, progress=100, pdf=pdf, xlsx=xlsx, finished_at=timezone.now()
    )
    report.refresh_from_db()
    return report


def report_page_for(report: ReportRequest) -> selectors.ReportPage:
    unit = report.unit
    return selectors.report_page(
        scope=selectors.scope_of(unit),
        scope_name=unit.name if unit else str(_("The whole organisation")),
        period=selectors.Period(start=report.start, end=report.end),
        today=min(report.end, timezone.localdate()),
    )
