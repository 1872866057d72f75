"""E-mail to people invited to a co-created review (sent by the background worker)."""

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from tillid.governance.models import Participant


def send_invitations(*, participant_ids: list[int], base_url: str) -> int:
    """Send one e-mail to each invited person with an address; returns how many went out."""
    participants = (
        Participant.objects.filter(pk__in=participant_ids, person__isnull=False)
        .exclude(person__email="")
        .select_related("review__item", "person")
    )
    messages = []
    with translation.override("da"):
        for participant in participants:
            review = participant.review
            context = {
                "participant": participant,
                "review": review,
                "item": review.item,
                "url": base_url.rstrip("/") + reverse("governance:review", args=[review.pk]),
                "municipality": settings.TILLID_MUNICIPALITY_NAME,
            }
            subject = _("You are invited to a review of %(title)s") % {"title": review.item.title}
            body = render_to_string("governance/email_review_invitation.txt", context)
            messages.append(EmailMessage(subject=subject, body=body, to=[participant.person.email]))
    if not messages:
        return 0
    return get_connection().send_messages(messages) or 0
