"""The compass's box on a person's front page (contract "organisation.front_page_panels"):
the open rounds the person has been invited to and not answered yet."""

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from tillid.compass import services
from tillid.core.nav import FrontPanel, FrontPanelItem


def panels(*, user, person) -> list[FrontPanel]:
    invitations = services.open_invitations_for(person)
    if not invitations:
        return []
    url = reverse("compass:mine")
    items = tuple(
        FrontPanelItem(
            text=_("Answer the trust compass: %(round)s") % {"round": inv.round.name},
            url=url,
            note=_("Open until %(date)s") % {"date": date_format(inv.round.closes_on, "j. F Y")},
        )
        for inv in invitations
    )
    return [
        FrontPanel(
            title=_("Your answer is wanted"),
            items=items,
            more_url=url,
            more_label=_("Lost your link? Get a new one"),
            order=10,
        )
    ]
