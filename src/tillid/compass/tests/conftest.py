import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core import mail
from django.utils import timezone

from tillid.compass import services
from tillid.organisation.models import Person

TOKEN_RE = re.compile(r"/tillidskompas/svar/([A-Z0-9]{16})/")


@pytest.fixture
def instruments(db):
    employee, leader = services.ensure_default_instruments()
    return SimpleNamespace(employee=employee, leader=leader)


@pytest.fixture
def staffed(org):
    """Team Nord gets 8 more employees (10), Team Syd 5 more (7; 6 without e-mail)."""
    extra = []
    for i in range(8):
        extra.append(
            Person(
                external_id=f"N{i}",
                name=f"Nord {i}",
                email=f"n{i}@egeskov.dk",
                unit=org.team_north,
            )
        )
    for i in range(5):
        extra.append(Person(external_id=f"S{i}", name=f"Syd {i}", email="", unit=org.team_south))
    Person.objects.bulk_create(extra)
    return org


@pytest.fixture
def open_round(staffed, instruments, roles):
    """A round for Plejecenter Egely, open today; returns (round, {person external id: token})."""
    mail.outbox = []
    today = timezone.localdate()
    with pytest.MonkeyPatch.context() as mp:
        issued = {}
        original = services.new_token

        def remember():
            token = original()
            issued[len(issued)] = token
            return token

        mp.setattr(services, "new_token", remember)
        round_ = services.open_round(
            name="Efterår",
            instrument=instruments.employee,
            leader_instrument=instruments.leader,
            root=staffed.care_home,
            opens_on=today,
            closes_on=today + timedelta(days=14),
            created_by=roles.consultant,
            base_url="http://testserver/",
            send_email=False,
        )
    people = list(
        Person.objects.filter(
            unit__path__startswith=staffed.care_home.path, is_active=True
        ).select_related("unit")
    )
    # open_round issues tokens in the order of its own query; match by hash.
    from tillid.compass.models import Invitation

    by_hash = {services.token_hash(t): t for t in issued.values()}
    tokens = {
        inv.person.external_id: by_hash[inv.token_hash]
        for inv in Invitation.objects.filter(round=round_).select_related("person")
    }
    assert len(tokens) == len(people)
    return round_, tokens


def answers_for(instrument, value: int = 4) -> dict:
    return {item.code: value for item in instrument.items.all()}
