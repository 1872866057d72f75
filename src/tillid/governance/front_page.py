"""Governance's boxes on a user's front page (the contract "organisation.front_page_panels")."""

from django.urls import reverse
from django.utils.translation import gettext as _

from tillid.core.nav import FrontPanel, FrontPanelItem
from tillid.governance import selectors
from tillid.governance.models import RedTapeReport, ReportStatus
from tillid.governance.permissions import may_handle_queue, may_read_queue

SHOWN = 5


def panels(*, user, person) -> list[FrontPanel]:
    """The open reviews the person is invited to; for politicians and top management,
    what the Meningssamling recommends to them. A panel only when it has items."""
    return [*_invited(person), *_recommended(user)]


def _recommended(user) -> list[FrontPanel]:
    if may_handle_queue(user) or not may_read_queue(user):
        return []
    reports = list(
        RedTapeReport.objects.filter(status=ReportStatus.RECOMMENDED).order_by(
            "-status_changed_on", "-pk"
        )[: SHOWN + 1]
    )
    if not reports:
        return []
    queue = reverse("governance:queue") + f"?status={ReportStatus.RECOMMENDED}"
    return [
        FrontPanel(
            title=_("Recommended to top management by the Meningssamling"),
            items=tuple(
                FrontPanelItem(
                    text=report.title, url=reverse("governance:queue_report", args=[report.pk])
                )
                for report in reports[:SHOWN]
            ),
            more_url=queue,
            more_label=_("The whole queue"),
            order=31,
        )
    ]


def _invited(person) -> list[FrontPanel]:
    if person is None:
        return []
    reviews = list(selectors.reviews_for_person(person)[: SHOWN + 1])
    if not reviews:
        return []
    items = tuple(
        FrontPanelItem(
            text=_("Review of %(title)s") % {"title": review.item.title},
            url=reverse("governance:review", args=[review.pk]),
            note=str(review.get_status_display()),
        )
        for review in reviews[:SHOWN]
    )
    return [
        FrontPanel(
            title=_("Reviews you are invited to"),
            items=items,
            more_url=reverse("governance:my_items") if len(reviews) > SHOWN else "",
            more_label=_("All your reviews") if len(reviews) > SHOWN else "",
            order=30,
        )
    ]
