"""Background jobs of the compass."""

from django_tasks import task

from tillid.compass import mailing as sender


@task()
def send_mailing(mailing_id: int) -> dict | None:
    """Send a round's invitations or reminders (see mailing.deliver_mailing)."""
    mailing = sender.deliver_mailing(mailing_id=mailing_id)
    if mailing is None:
        return None
    return {"total": mailing.total, "sent": mailing.sent, "failed": mailing.failed}
