"""Writes of the overview: asking for a council report (made by the worker)."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tillid.overview import tasks
from tillid.overview.models import ReportRequest


def request_report(*, user, unit, start: dt.date, end: dt.date) -> ReportRequest:
    """Ask for a council report; the worker makes it once the request is saved."""
    if start > end:
        raise ValidationError({"end": _("The end of the period must be on or after its start.")})
    with transaction.atomic():
        report = ReportRequest.objects.create(requested_by=user, unit=unit, start=start, end=end)
        transaction.on_commit(lambda: tasks.build_report.enqueue(report.pk))
    return report
