"""The owner's follow-ups on their front page (contract "organisation.front_page_panels")."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tillid.core.indicators import FollowUp
from tillid.core.nav import FrontPanel, FrontPanelItem
from tillid.overview import selectors

# The front page shows the most pressing ones; the rest are a link away.
SHOWN = 8


def due_note(row: FollowUp, today: dt.date) -> str:
    """The due date in words, and how late it is: never colour alone."""
    if row.due_on is None:
        return _("No due date")
    due = date_format(row.due_on, "j. F Y")
    if row.is_late(today):
        days = (today - row.due_on).days
        return ngettext(
            "Late: was due %(due)s, %(days)s day ago",
            "Late: was due %(due)s, %(days)s days ago",
            days,
        ) % {"due": due, "days": days}
    return _("Due %(due)s") % {"due": due}


def front_page_panels(*, user, person) -> list[FrontPanel]:
    if not selectors.may_view(user):
        return []
    today = timezone.localdate()
    rows = [f for f in selectors.followups(scope=None, owner_id=user.pk, today=today) if not f.done]
    late = sum(1 for f in rows if f.is_late(today))
    title = _("Your follow-ups")
    if late:
        title = ngettext(
            "Your follow-ups (%(late)s late)", "Your follow-ups (%(late)s late)", late
        ) % {"late": late}
    return [
        FrontPanel(
            title=title,
            items=tuple(
                FrontPanelItem(
                    text=f"{row.kind_label}: {row.title}",
                    url=row.url,
                    note=due_note(row, today),
                    late=row.is_late(today),
                )
                for row in rows[:SHOWN]
            ),
            empty=_("You owe no answers or follow-ups right now."),
            more_url=reverse("overview:followups") + "?mine=on" if rows else "",
            more_label=ngettext(
                "All %(n)s of your open follow-ups", "All %(n)s of your open follow-ups", len(rows)
            )
            % {"n": len(rows)},
            order=10,
        )
    ]
