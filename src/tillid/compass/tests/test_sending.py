"""Invitations through a real SMTP server (aiosmtpd, started by the test).

Every invitation must be delivered exactly once, counted by the server per
recipient, or be listed as failed; none may be lost, and a failing server
never leaves a half-opened round.
"""

import socket
import threading
from collections import Counter
from datetime import timedelta
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from django.urls import reverse
from django.utils import timezone

from tillid.compass import mailing as sender
from tillid.compass import services
from tillid.compass.models import Delivery, Invitation, Mailing, MailingKind, Round
from tillid.compass.tests.conftest import TOKEN_RE
from tillid.organisation.models import Person
from tillid.organisation.testing import PASSWORD

pytestmark = pytest.mark.django_db


class Recorder:
    """An SMTP handler that counts what it accepts and misbehaves on request.

    refuse: addresses answered 550 at RCPT. greylist: addresses answered 451
    the first time. drop_every: after that many messages on one connection,
    the next MAIL FROM closes the connection without an answer (before the
    message is accepted, so it is not counted).
    """

    def __init__(self, *, refuse=(), greylist=(), drop_every=None):
        self.lock = threading.Lock()
        self.received: Counter[str] = Counter()
        self.bodies: dict[str, list[str]] = {}
        self.refuse = set(refuse)
        self.greylist = set(greylist)
        self.drop_every = drop_every
        self.per_connection: Counter = Counter()
        self.connections: set = set()
        self.drops = 0

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        with self.lock:
            self.connections.add(session.peer)
            if self.drop_every and self.per_connection[session.peer] >= self.drop_every:
                self.drops += 1
                server.transport.abort()
                return "421 4.3.2 going away"
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 Recipient address rejected: no such user"
        with self.lock:
            if address in self.greylist:
                self.greylist.discard(address)
                return "451 4.7.1 Greylisted, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        body = message_from_bytes(envelope.content).get_payload(decode=True).decode()
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.received[rcpt] += 1
                self.bodies.setdefault(rcpt, []).append(body)
            self.per_connection[session.peer] += 1
        return "250 2.0.0 Accepted"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(settings):
    """Start an SMTP server: smtp(**Recorder options) -> Recorder; stopped after the test."""
    started = []

    def start(**options) -> Recorder:
        handler = Recorder(**options)
        port = free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port)
        controller.start()
        started.append(controller)
        settings.EMAIL_PORT = port
        return handler

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    settings.TILLID_EMAIL_BATCH_SIZE = 5
    settings.TILLID_EMAIL_RETRY_SECONDS = 0
    yield start
    for controller in started:
        controller.stop()


@pytest.fixture
def crowd(org):
    """Team Nord gets 22 more people with e-mail (27 with e-mail in the care home), Team Syd
    one without."""
    Person.objects.bulk_create(
        Person(external_id=f"M{i}", name=f"Medarbejder {i}", email=f"m{i}@egeskov.dk", unit=unit)
        for i, unit in enumerate([org.team_north] * 22)
    )
    Person.objects.create(external_id="X0", name="Uden Mail", email="", unit=org.team_south)
    return org


def emails_of(org) -> set[str]:
    return set(
        Person.objects.filter(unit__path__startswith=org.care_home.path, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )


def open_care_home(org, instruments, django_capture_on_commit_callbacks) -> Round:
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        return services.open_round(
            name="Forår",
            instrument=instruments.employee,
            root=org.care_home,
            opens_on=today,
            closes_on=today + timedelta(days=14),
            base_url="http://testserver/",
        )


def assert_each_exactly_once_or_failed(round_: Round, server: Recorder) -> None:
    """Per e-mail invitation: sent and received once, or failed and never received."""
    invitations = Invitation.objects.filter(round=round_, has_email=True).select_related("person")
    assert not invitations.filter(delivery=Delivery.PENDING).exists()
    assert not invitations.filter(mailing__isnull=False).exists()
    for inv in invitations:
        received = server.received[inv.person.email]
        if inv.delivery == Delivery.SENT:
            assert received == 1, inv.person.email
            # The one message that arrived holds the link that works.
            token = TOKEN_RE.search(server.bodies[inv.person.email][0]).group(1)
            assert services.invitation_for_token(token).pk == inv.pk
        else:
            assert inv.delivery == Delivery.FAILED
            assert inv.delivery_error
            assert inv.token_hash is None
            assert received == 0, inv.person.email
    # The server received nothing for anyone outside the round.
    assert set(server.received) <= {i.person.email for i in invitations}


def test_normal_delivery_in_batches_each_exactly_once(
    smtp, crowd, instruments, django_capture_on_commit_callbacks
):
    server = smtp()
    round_ = open_care_home(crowd, instruments, django_capture_on_commit_callbacks)
    addresses = emails_of(crowd)
    assert len(addresses) == 27
    assert set(server.received) == addresses
    assert all(n == 1 for n in server.received.values())
    assert_each_exactly_once_or_failed(round_, server)
    mailing = Mailing.objects.get(round=round_)
    assert (mailing.total, mailing.sent, mailing.failed, mailing.finished) == (27, 27, 0, True)
    # 27 e-mails in batches of 5: six SMTP connections, one per batch.
    assert len(server.connections) == 6
    # The one without e-mail gets a letter, whose link is made when it is printed.
    letter = Invitation.objects.get(round=round_, person__external_id="X0")
    assert (letter.delivery, letter.token_hash) == (Delivery.LETTER, None)
    (printed,) = services.issue_letters(round_=round_)
    assert services.invitation_for_token(printed.token).person.external_id == "X0"


def test_refused_recipients_are_listed_as_failed_and_can_be_resent_or_printed(
    client, smtp, crowd, instruments, roles, django_capture_on_commit_callbacks
):
    refused = {"m3@egeskov.dk", "m4@egeskov.dk", "m17@egeskov.dk"}
    server = smtp(refuse=refused)
    round_ = open_care_home(crowd, instruments, django_capture_on_commit_callbacks)
    assert_each_exactly_once_or_failed(round_, server)
    failed = Invitation.objects.filter(round=round_, delivery=Delivery.FAILED)
    assert {i.person.email for i in failed} == refused
    assert all("550 5.1.1" in i.delivery_error for i in failed)
    mailing = Mailing.objects.get(round=round_)
    assert (mailing.sent, mailing.failed) == (24, 3)

    # The consultant sees them on the failures page, with the server's reason in Danish.
    assert client.login(username=roles.consultant.username, password=PASSWORD)
    page = client.get(reverse("compass:round_failures", args=[round_.pk]))
    body = page.content.decode()
    assert all(address in body for address in refused)
    assert "Mailserveren afviste adressen" in body
    round_page = client.get(reverse("compass:round", args=[round_.pk]))
    assert {r["value"]: r["n"] for r in round_page.context["delivery"]}["failed"] == 3

    # One address is corrected in the organisation and sent again: it arrives once.
    corrected = Person.objects.get(email="m3@egeskov.dk")
    corrected.email = "m3.ny@egeskov.dk"
    corrected.save()
    inv_m3 = failed.get(person=corrected)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("compass:round_resend", args=[round_.pk]),
            {"scope": "chosen", "invitation": [inv_m3.pk]},
        )
    assert response.status_code == 302
    inv_m3.refresh_from_db()
    assert inv_m3.delivery == Delivery.SENT
    assert server.received["m3.ny@egeskov.dk"] == 1
    resend = Mailing.objects.get(round=round_, kind=MailingKind.RESEND)
    assert (resend.total, resend.sent, resend.failed) == (1, 1, 0)

    # The other two become printed letters with working codes.
    response = client.post(
        reverse("compass:round_failed_letters", args=[round_.pk]), {"scope": "all"}
    )
    assert response.status_code == 200
    letters = response.context["letters"]
    assert {letter.person_name for letter in letters} == {"Medarbejder 4", "Medarbejder 17"}
    for letter in letters:
        inv = services.invitation_for_token(letter.token)
        assert inv.delivery == Delivery.LETTER
    assert not Invitation.objects.filter(round=round_, delivery=Delivery.FAILED).exists()
    # Nobody got a second e-mail along the way.
    assert all(n == 1 for n in server.received.values())


def test_a_dropped_connection_is_retried_without_sending_twice(
    smtp, crowd, instruments, django_capture_on_commit_callbacks
):
    server = smtp(drop_every=3, greylist={"m5@egeskov.dk", "m20@egeskov.dk"})
    round_ = open_care_home(crowd, instruments, django_capture_on_commit_callbacks)
    assert server.drops >= 5  # batches of 5, dropped after 3 on each connection
    assert_each_exactly_once_or_failed(round_, server)
    # Nothing is lost: every address got its one e-mail in the end.
    assert set(server.received) == emails_of(crowd)
    assert all(n == 1 for n in server.received.values())
    mailing = Mailing.objects.get(round=round_)
    assert (mailing.sent, mailing.failed, mailing.finished) == (27, 0, True)


def test_an_unreachable_server_leaves_a_whole_round_with_every_email_listed_failed(
    smtp, settings, crowd, instruments, django_capture_on_commit_callbacks
):
    smtp()
    settings.EMAIL_PORT = free_port()  # nobody listens there
    round_ = open_care_home(crowd, instruments, django_capture_on_commit_callbacks)
    invitations = Invitation.objects.filter(round=round_)
    assert invitations.count() == 28  # the whole round is there
    by_delivery = Counter(invitations.values_list("delivery", flat=True))
    assert by_delivery == {Delivery.FAILED: 27, Delivery.LETTER: 1}
    assert all(
        "kunne ikke nås" in i.delivery_error for i in invitations.filter(delivery=Delivery.FAILED)
    )
    mailing = Mailing.objects.get(round=round_)
    assert (mailing.sent, mailing.failed, mailing.finished) == (0, 27, True)


def test_a_failure_while_opening_saves_nothing(crowd, instruments, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(Invitation.objects, "bulk_create", broken)
    today = timezone.localdate()
    with pytest.raises(RuntimeError):
        services.open_round(
            name="Halv",
            instrument=instruments.employee,
            root=crowd.care_home,
            opens_on=today,
            closes_on=today + timedelta(days=7),
        )
    assert not Round.objects.filter(name="Halv").exists()
    assert not Mailing.objects.exists()
    assert not Invitation.objects.exists()


def test_a_mailing_is_sent_by_one_worker_only(
    smtp, crowd, instruments, django_capture_on_commit_callbacks
):
    server = smtp()
    round_ = open_care_home(crowd, instruments, django_capture_on_commit_callbacks)
    mailing = Mailing.objects.get(round=round_)
    assert sender.deliver_mailing(mailing_id=mailing.pk) is None
    assert sender.deliver_mailing(mailing_id=mailing.pk, resume=True) is None  # finished
    assert sum(server.received.values()) == 27


def test_reminders_go_through_the_same_sender_and_reveal_nobody(
    smtp, crowd, instruments, django_capture_on_commit_callbacks
):
    server = smtp()
    round_ = open_care_home(crowd, instruments, django_capture_on_commit_callbacks)
    first = TOKEN_RE.search(server.bodies["m0@egeskov.dk"][0]).group(1)
    services.submit_response(token=first, answers={"cul1": 3})
    server.refuse = {"m9@egeskov.dk"}  # this mailbox has gone since the invitation
    server.received.clear()
    with django_capture_on_commit_callbacks(execute=True):
        mailing = services.send_reminders(round_=round_, base_url="http://testserver/")
    mailing.refresh_from_db()
    assert (mailing.total, mailing.sent, mailing.failed) == (26, 25, 1)
    assert "m0@egeskov.dk" not in server.received
    assert all(n == 1 for n in server.received.values())
    # The failed reminder is only counted: the invitation (which did arrive)
    # is not listed as failed, or the list would show who has not answered.
    inv = Invitation.objects.get(round=round_, person__email="m9@egeskov.dk")
    assert (inv.delivery, inv.delivery_error, inv.reminders_sent) == (Delivery.SENT, "", 0)
    assert (
        services.invitation_for_token(
            TOKEN_RE.search(server.bodies["m9@egeskov.dk"][0]).group(1)
        ).pk
        == inv.pk
    )  # the first link still works
    assert not Invitation.objects.filter(round=round_, delivery=Delivery.FAILED).exists()
    # A reminder's new link replaces the old one.
    reminded = Invitation.objects.get(round=round_, person__email="m1@egeskov.dk")
    assert reminded.reminders_sent == 1
    new = TOKEN_RE.search(server.bodies["m1@egeskov.dk"][-1]).group(1)
    assert services.invitation_for_token(new).pk == reminded.pk


def test_the_round_page_polls_while_sending_and_stops_after(client, crowd, instruments, roles):
    today = timezone.localdate()
    # Without running the worker: the mailing waits, as on a busy site.
    round_ = services.open_round(
        name="Venter",
        instrument=instruments.employee,
        root=crowd.care_home,
        opens_on=today,
        closes_on=today + timedelta(days=7),
    )
    assert client.login(username=roles.consultant.username, password=PASSWORD)
    page = client.get(reverse("compass:round", args=[round_.pk])).content.decode()
    status_url = reverse("compass:round_mailing", args=[round_.pk])
    assert f'hx-get="{status_url}"' in page
    assert "0 af 27" in page
    sender.deliver_mailing(mailing_id=round_.mailings.get().pk)
    partial = client.get(status_url, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in partial  # finished: the polling stops
    assert "27 sendt" in partial


def test_a_mailing_left_by_a_stopped_worker_is_resumed_once(
    smtp, crowd, instruments, django_capture_on_commit_callbacks
):
    import io

    from django.core.management import call_command

    server = smtp()
    today = timezone.localdate()
    round_ = services.open_round(  # the worker never ran
        name="Genoptag",
        instrument=instruments.employee,
        root=crowd.care_home,
        opens_on=today,
        closes_on=today + timedelta(days=7),
    )
    mailing = round_.mailings.get()
    # A worker took it, sent the first batch by hand here, and stopped.
    Mailing.objects.filter(pk=mailing.pk).update(started=True)
    first = list(Invitation.objects.filter(mailing=mailing).select_related("person")[:5])
    sender._deliver_batch(mailing, first)
    out = io.StringIO()
    call_command("compass_send_invitations", stdout=out)
    assert sum(server.received.values()) == 5  # not taken without --resume
    call_command("compass_send_invitations", "--resume", stdout=out)
    assert "22 sent" in out.getvalue()
    assert_each_exactly_once_or_failed(round_, server)
    assert set(server.received) == emails_of(crowd)
