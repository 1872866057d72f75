"""The sender of invitations and reminders, run by the background worker.

`deliver_mailing` sends a mailing's e-mails in batches over one SMTP
connection each; every token is made just before its e-mail and its hash
stored the moment the server accepts the message, so each invitation is sent
exactly once or listed as failed. (Moved out of services.py so that the task
module and the services do not import each other.)
"""

import contextlib
import smtplib
import time

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import models
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from tillid.compass.links import answer_url, format_code, new_token, token_hash
from tillid.compass.models import Delivery, Invitation, Mailing, MailingKind, Round


def _invitation_email(round_: Round, address: str, token: str, base_url: str, *, reminder: bool):
    with translation.override("da"):
        context = {
            "round": round_,
            "url": answer_url(base_url, token),
            "code": format_code(token),
            "reminder": reminder,
            "municipality": settings.TILLID_MUNICIPALITY_NAME,
        }
        subject = (
            _("Reminder: the trust compass %(round)s")
            if reminder
            else _("The trust compass %(round)s")
        ) % {"round": round_.name}
        body = render_to_string("compass/email_invitation.txt", context)
    return EmailMessage(subject=subject, body=body, to=[address])


# --- sending e-mail ------------------------------------------------------------------


class _Unconfirmed(Exception):
    """The connection failed before the server confirmed the message."""


def _smtp_reason(code: int, message) -> str:
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    return f"{code} {message}".strip()[:200]


def deliver_mailing(*, mailing_id: int, resume: bool = False) -> Mailing | None:
    """Send a mailing's e-mails, in batches over one SMTP connection each.

    Run by the background worker (`tasks.send_mailing`). Each e-mail gets a
    fresh token made just before it is sent; its hash is stored, and the
    invitation marked sent, the moment the server accepts the message, so
    the link works only in the e-mail that arrived. A recipient the server
    refuses is marked failed with the server's reason. When the connection
    drops, the batch goes on over a new connection with the invitations not
    yet confirmed, up to TILLID_EMAIL_ATTEMPTS connections without progress;
    then the rest are marked failed, so none is left pending. A reminder
    that cannot be delivered leaves the invitation as it was (the first
    e-mail did arrive) and is only counted: who has not yet answered must
    stay unknown.

    Returns None when another worker is already sending the mailing;
    `resume=True` takes over one whose worker stopped (manage.py
    compass_send_invitations --resume).
    """
    claim = Mailing.objects.filter(pk=mailing_id, finished=False)
    if not resume:
        claim = claim.filter(started=False)
    if claim.update(started=True) != 1:  # one UPDATE: only one worker can win it
        return None
    mailing = Mailing.objects.select_related("round").get(pk=mailing_id)
    size = max(1, settings.TILLID_EMAIL_BATCH_SIZE)
    while True:
        batch = list(
            Invitation.objects.filter(mailing=mailing)
            .select_related("person")
            .order_by("pk")[:size]
        )
        if not batch:
            break
        sent, failed = _deliver_batch(mailing, batch)
        Mailing.objects.filter(pk=mailing.pk).update(
            sent=models.F("sent") + sent, failed=models.F("failed") + failed
        )
    Mailing.objects.filter(pk=mailing.pk).update(finished=True)
    mailing.refresh_from_db()
    return mailing


def _deliver_batch(mailing: Mailing, batch: list[Invitation]) -> tuple[int, int]:
    """Send one batch; every invitation in it ends sent or failed. Returns (sent, failed)."""
    reminder = mailing.kind == MailingKind.REMINDER
    attempts = settings.TILLID_EMAIL_ATTEMPTS
    remaining = list(batch)
    deferred: dict[int, int] = {}  # invitation id: times a recipient was refused for now
    sent = failed = 0
    fruitless = 0  # connections in a row that settled no invitation
    last_error = ""
    while remaining:
        if fruitless >= attempts:
            with translation.override("da"):
                reason = _(
                    "The mail server could not be reached or kept dropping the connection "
                    "(%(error)s)."
                ) % {"error": last_error}
            for inv in remaining:
                _mark_failed(inv, reason, reminder=reminder)
            failed += len(remaining)
            break
        if fruitless:
            time.sleep(settings.TILLID_EMAIL_RETRY_SECONDS * 2 ** (fruitless - 1))
        settled_here = 0
        connection = get_connection(fail_silently=False)
        try:
            connection.open()
            while remaining:
                inv = remaining[0]
                if deferred.get(inv.pk) and all(deferred.get(i.pk) for i in remaining):
                    time.sleep(settings.TILLID_EMAIL_RETRY_SECONDS)
                outcome = _send_one(connection, mailing, inv, reminder=reminder)
                remaining.pop(0)
                if outcome == _DEFERRED:
                    deferred[inv.pk] = deferred.get(inv.pk, 0) + 1
                    if deferred[inv.pk] < attempts:
                        remaining.append(inv)
                        continue
                    with translation.override("da"):
                        _mark_failed(
                            inv,
                            _("The mail server refused the address for now, %(n)s times.")
                            % {"n": attempts},
                            reminder=reminder,
                        )
                    outcome = _FAILED
                settled_here += 1
                if outcome == _SENT:
                    sent += 1
                else:
                    failed += 1
        except (_Unconfirmed, smtplib.SMTPException, OSError) as exc:
            cause = exc.__cause__ if isinstance(exc, _Unconfirmed) and exc.__cause__ else exc
            last_error = str(cause)[:150] or type(cause).__name__
            fruitless = 0 if settled_here else fruitless + 1
        finally:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                connection.close()
    return sent, failed


_SENT, _FAILED, _DEFERRED = "sent", "failed", "deferred"


def _send_one(connection, mailing: Mailing, inv: Invitation, *, reminder: bool) -> str:
    """Send one invitation's e-mail: _SENT, _FAILED (for good) or _DEFERRED
    (the server refused the recipient for now: try again later).

    Raises _Unconfirmed when the connection broke before the server's
    answer: the invitation is then still the mailing's, to send again.
    """
    address = inv.person.email
    if not address:
        with translation.override("da"):
            _mark_failed(inv, _("The person no longer has an e-mail address."), reminder=reminder)
        return _FAILED
    token = new_token()
    message = _invitation_email(mailing.round, address, token, mailing.base_url, reminder=reminder)
    try:
        connection.send_messages([message])
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()), (0, b""))
        if code == 421:  # the server is closing the connection
            raise _Unconfirmed() from exc
        if 400 <= code < 500:  # greylisting, a full mailbox: later
            return _DEFERRED
        with translation.override("da"):
            reason = _("The mail server refused the address (%(reason)s).") % {
                "reason": _smtp_reason(code, text)
            }
        _mark_failed(inv, reason, reminder=reminder)
        return _FAILED
    except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
        if 400 <= exc.smtp_code < 500:
            raise _Unconfirmed() from exc
        with translation.override("da"):
            reason = _("The mail server refused the message (%(reason)s).") % {
                "reason": _smtp_reason(exc.smtp_code, exc.smtp_error)
            }
        _mark_failed(inv, reason, reminder=reminder)
        return _FAILED
    except (smtplib.SMTPException, OSError) as exc:
        raise _Unconfirmed() from exc
    # Accepted: from now on this token is the invitation's link.
    changes = {"token_hash": token_hash(token), "mailing": None, "delivery": Delivery.SENT}
    if reminder:
        changes["reminders_sent"] = models.F("reminders_sent") + 1
    else:
        changes["delivery_error"] = ""
    Invitation.objects.filter(pk=inv.pk).update(**changes)
    return _SENT


def _mark_failed(inv: Invitation, reason: str, *, reminder: bool) -> None:
    if reminder:  # the invitation itself did arrive: leave it be, count only
        Invitation.objects.filter(pk=inv.pk).update(mailing=None)
    else:
        Invitation.objects.filter(pk=inv.pk).update(
            mailing=None, delivery=Delivery.FAILED, delivery_error=reason[:300]
        )


# --- a new link asked for by the person -------------------------------------------


def deliver_new_link(*, invitation_id: int, base_url: str) -> bool:
    """Send a person's own invitation again, with a fresh link, to their address.

    The person asked for it (services.request_new_link). The new token
    replaces the old one only when the server accepts the message, and
    nothing else on the invitation changes (no delivery status, no mailing,
    no count), so no one reading the round can tell that it was sent.
    Returns whether the e-mail was accepted.
    """
    inv = (
        Invitation.objects.select_related("round", "person")
        .filter(pk=invitation_id, used=False)
        .first()
    )
    if inv is None or not inv.round.is_open or not inv.person.email:
        return False
    token = new_token()
    message = _invitation_email(inv.round, inv.person.email, token, base_url, reminder=False)
    try:
        get_connection(fail_silently=False).send_messages([message])
    except (smtplib.SMTPException, OSError):
        return False  # the old link still works
    Invitation.objects.filter(pk=inv.pk, used=False).update(token_hash=token_hash(token))
    return True
