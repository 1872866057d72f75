import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command

from tillid.core import contracts
from tillid.core.indicators import FollowUp
from tillid.overview import reminders
from tillid.overview.models import ReminderSent

TODAY = dt.date(2026, 6, 10)


@pytest.fixture
def owed(monkeypatch, roles):
    """The leader owes two late answers and one not yet due; the consultant one late."""
    roles.leader.email = "p1@egeskov.dk"
    roles.leader.save()
    roles.consultant.email = "konsulent@egeskov.dk"
    roles.consultant.save()
    rows = {
        roles.leader.pk: [
            ("red_tape", "/styring/meldinger/1/", TODAY - dt.timedelta(days=5)),
            ("decision", "/styring/beslutninger/2/", TODAY - dt.timedelta(days=1)),
            ("decision", "/styring/beslutninger/3/", TODAY),
        ],
        roles.consultant.pk: [("trial", "/proevehandlinger/4/", TODAY - dt.timedelta(days=40))],
    }

    def followups(*, scope, owner_id, today):
        return [
            FollowUp(
                kind=kind, kind_label=kind.replace("_", " ").title(), title=f"Sag {url}",
                url=url, due_on=due, owner_id=owner_id,
            )
            for kind, url, due in rows.get(owner_id, [])
        ]  # fmt: skip

    real = contracts.providers
    monkeypatch.setattr(
        contracts,
        "providers",
        lambda name: [("test", followups)] if name == "overview.followups" else real(name),
    )
    return rows


def test_each_owner_gets_their_late_follow_ups_once(owed, roles, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    run = reminders.send_followup_reminders(today=TODAY, base_url="https://tillid.egeskov.dk/")
    assert (run.owners, run.followups, run.failed) == (2, 3, 0)
    by_address = {m.to[0]: m for m in mail.outbox}
    leader = by_address["p1@egeskov.dk"]
    assert leader.subject == "Tillid: 2 opfølgninger er forsinket"
    assert "https://tillid.egeskov.dk/styring/meldinger/1/" in leader.body
    assert "frist 5. juni 2026" in leader.body
    assert "/styring/beslutninger/3/" not in leader.body  # due today: not late
    assert by_address["konsulent@egeskov.dk"].subject == "Tillid: 1 opfølgning er forsinket"
    assert ReminderSent.objects.count() == 3

    # The next day nothing new is late for the consultant, one more for the leader.
    mail.outbox = []
    run = reminders.send_followup_reminders(
        today=TODAY + dt.timedelta(days=1), base_url="https://tillid.egeskov.dk/"
    )
    assert (run.owners, run.followups) == (1, 1)
    assert len(mail.outbox) == 1
    assert "/styring/beslutninger/3/" in mail.outbox[0].body
    assert "/styring/meldinger/1/" not in mail.outbox[0].body


def test_a_failed_e_mail_records_nothing_and_is_tried_again(owed, monkeypatch, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    def broken(self, messages):
        raise OSError("no mail server")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", broken)
    run = reminders.send_followup_reminders(today=TODAY, base_url="https://x/")
    assert (run.owners, run.failed) == (0, 2)
    assert not ReminderSent.objects.exists()


def test_the_command_hands_the_reminders_to_the_worker(owed, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    call_command("send_followup_reminders", "--base-url", "https://tillid.egeskov.dk/")
    # Tests run the worker at once; by today's date all four are late.
    assert len(mail.outbox) == 2
    assert ReminderSent.objects.count() == 4
