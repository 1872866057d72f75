"""Each compass write that spans several tables saves all or nothing."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from tillid.compass import instruments as files
from tillid.compass import services
from tillid.compass.models import (
    Delivery,
    DialogueAction,
    Dimension,
    Instrument,
    Invitation,
    Item,
    Mailing,
    Response,
)
from tillid.compass.tests.test_instrument_codes import upper_case_instrument
from tillid.core.tests.atomic import (
    LastStepFailed,
    fail_manager,
    fail_save,
    fail_update,
    snapshot,
)

pytestmark = pytest.mark.django_db


def test_import_instrument(monkeypatch):
    before = snapshot("compass")
    fail_manager(monkeypatch, Item.dimensions.through, "bulk_create")
    with pytest.raises(LastStepFailed):
        services.import_instrument(data=upper_case_instrument())
    assert snapshot("compass") == before
    assert not Item.objects.exists()
    assert not Dimension.objects.exists()


def test_ensure_default_instruments(monkeypatch):
    original = services.import_instrument
    calls = []

    def second_fails(*, data):
        calls.append(data["code"])
        if len(calls) == 2:
            raise LastStepFailed
        return original(data=data)

    monkeypatch.setattr(services, "import_instrument", second_fails)
    with pytest.raises(LastStepFailed):
        services.ensure_default_instruments()
    assert calls == [files.DEFAULT_CODE, files.DEFAULT_LEADER_CODE]
    assert not Instrument.objects.exists()


def test_send_reminders(open_round, monkeypatch):
    round_, _tokens = open_round
    before = snapshot("compass")
    fail_save(monkeypatch, Mailing, on_call=2)  # the create, then the count: the last write
    with pytest.raises(LastStepFailed):
        services.send_reminders(round_=round_, base_url="http://testserver/")
    assert snapshot("compass") == before


def _fail_two(round_):
    ids = list(
        Invitation.objects.filter(round=round_, delivery=Delivery.SENT).values_list(
            "pk", flat=True
        )[:2]
    )
    Invitation.objects.filter(pk__in=ids).update(delivery=Delivery.FAILED, delivery_error="x")
    return ids


def test_resend_failed(open_round, monkeypatch):
    round_, _tokens = open_round
    ids = _fail_two(round_)
    before = snapshot("compass")
    fail_update(monkeypatch, Invitation)
    with pytest.raises(LastStepFailed):
        services.resend_failed(round_=round_, invitation_ids=ids)
    assert snapshot("compass") == before
    assert not Mailing.objects.filter(kind="resend").exists()


def test_letters_for_failed(open_round, monkeypatch):
    round_, _tokens = open_round
    _fail_two(round_)
    before = snapshot("compass")
    fail_manager(monkeypatch, Invitation, "bulk_update", on_call=2)  # the new codes
    with pytest.raises(LastStepFailed):
        services.letters_for_failed(round_=round_)
    assert snapshot("compass") == before


def test_record_meeting(org, monkeypatch):
    before = snapshot("compass")
    fail_manager(monkeypatch, DialogueAction, "bulk_create")
    with pytest.raises(LastStepFailed):
        services.record_meeting(
            unit=org.team_north,
            held_on=date(2026, 3, 1),
            participants=6,
            agreements="Vi prøver noget nyt.",
            actions=[services.ActionInput(title="Prøv", owner="Leder", due_on=date(2026, 4, 1))],
        )
    assert snapshot("compass") == before


def test_submit_response(open_round, monkeypatch):
    _round, tokens = open_round
    before = snapshot("compass")
    fail_save(monkeypatch, Response)
    with pytest.raises(LastStepFailed):
        services.submit_response(token=tokens["N1"], answers={"cul1": 3})
    assert snapshot("compass") == before
    assert not services.invitation_for_token(tokens["N1"]).used  # the link still works


def test_open_round_validates_before_writing(staffed, instruments):
    today = timezone.localdate()
    before = snapshot("compass")
    with pytest.raises(services.CompassError):
        services.open_round(
            name="  ",
            instrument=instruments.employee,
            root=staffed.care_home,
            opens_on=today,
            closes_on=today + timedelta(days=3),
        )
    assert snapshot("compass") == before
