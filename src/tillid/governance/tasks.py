"""Background jobs of governance."""

from django_tasks import task

from tillid.governance import notify


@task()
def notify_invited(participant_ids: list[int], base_url: str) -> int:
    """E-mail the people invited to a review (see notify.send_invitations)."""
    return notify.send_invitations(participant_ids=participant_ids, base_url=base_url)
