"""Governance's boxes on a user's front page (the contract "organisation.front_page_panels")."""

from django.urls import reverse
from django.utils.translation import gettext as _

from tillid.core.nav import FrontPanel, FrontPanelItem
from tillid.governance import selectors

SHOWN = 5


def panels(*, user, person) -> list[FrontPanel]:
    """The open co-created reviews the person is invited to (a panel only if there are any)."""
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
