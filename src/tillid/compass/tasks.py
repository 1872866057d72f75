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


@task()
def send_new_link(invitation_id: int, base_url: str) -> bool:
    """Send a person the new link they asked for (see mailing.deliver_new_link)."""
    return sender.deliver_new_link(invitation_id=invitation_id, base_url=base_url)
