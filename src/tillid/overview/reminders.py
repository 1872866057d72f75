"""Reminders of late follow-ups by e-mail, once each (run by the worker, see tasks)."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tillid.core.indicators import FollowUp
from tillid.overview import selectors
from tillid.overview.models import ReminderSent


@dataclass
class ReminderRun:
    owners: int = 0  # owners e-mailed
    followups: int = 0  # late follow-ups reminded of
    failed: int = 0  # e-mails that could not be sent (tried again next run)


def _target(row: FollowUp) -> str:
    return (row.url or row.title)[:500]


def _email(user, rows: list[FollowUp], base_url: str) -> EmailMessage:
    with translation.override(settings.LANGUAGE_CODE):
        subject = ngettext(
            "Tillid: %(n)s follow-up is late", "Tillid: %(n)s follow-ups are late", len(rows)
        ) % {"n": len(rows)}
        lines = [
            _("Dear %(name)s,") % {"name": user.get_full_name() or user.get_username()},
            "",
            _("These things raised in Tillid are waiting for your answer after their due date:"),
            "",
        ]
        for row in rows:
            assert row.due_on is not None  # late ones have a due date
            lines.append(
                _("- %(kind)s: %(title)s (due %(due)s)")
                % {
                    "kind": row.kind_label,
                    "title": row.title,
                    "due": date_format(row.due_on, "j. F Y"),
                }
            )
            if row.url:
                lines.append(f"  {base_url.rstrip('/')}{row.url}")
        lines += ["", _("You are reminded of each one once. Thank you for following up.")]
    return EmailMessage(subject=subject, body="\n".join(lines), to=[user.email])


def send_followup_reminders(*, today: dt.date, base_url: str) -> ReminderRun:
    """E-mail each owner the late follow-ups they have not been reminded of yet.

    Owners are the active users with an e-mail address; each gets one e-mail
    with all their new late follow-ups, and each follow-up is recorded as
    reminded in the same transaction as the e-mail is handed over, so a rerun
    (or a second worker) sends none twice. A failed e-mail records nothing.
    """
    run = ReminderRun()
    users = get_user_model().objects.filter(is_active=True).exclude(email="").order_by("pk")
    connection = get_connection()
    for user in users.iterator():
        late = [
            f
            for f in selectors.followups(scope=None, owner_id=user.pk, today=today)
            if f.is_late(today) and f.owner_id == user.pk
        ]
        if not late:
            continue
        with transaction.atomic():
            # The unique constraint makes a second worker wait here and find
            # the rows made: only what this run recorded is sent.
            new = [
                f
                for f in late
                if f.due_on is not None  # late ones have a due date
                and ReminderSent.objects.get_or_create(
                    owner=user, kind=f.kind, target=_target(f), due_on=f.due_on
                )[1]
            ]
            if not new:
                continue
            try:
                connection.send_messages([_email(user, new, base_url)])
            except Exception:
                transaction.set_rollback(True)
                run.failed += 1
                continue
        run.owners += 1
        run.followups += len(new)
    return run
