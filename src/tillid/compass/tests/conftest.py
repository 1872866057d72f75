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
def open_round(staffed, instruments, roles, django_capture_on_commit_callbacks):
    """A round for Plejecenter Egely, open today; returns (round, {person external id: token}).

    The e-mails go out as on a real site (the worker runs at once in tests,
    into Django's test outbox) and the people without e-mail get letters;
    the tokens are read back from the e-mails and the letters.
    """
    mail.outbox = []
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        round_ = services.open_round(
            name="Efterår",
            instrument=instruments.employee,
            leader_instrument=instruments.leader,
            root=staffed.care_home,
            opens_on=today,
            closes_on=today + timedelta(days=14),
            created_by=roles.consultant,
            base_url="http://testserver/",
        )
    people = {
        p.email: p.external_id
        for p in Person.objects.filter(unit__path__startswith=staffed.care_home.path)
        if p.email
    }
    tokens = {people[m.to[0]]: TOKEN_RE.search(m.body).group(1) for m in mail.outbox}
    names = {p.name: p.external_id for p in Person.objects.all()}
    for letter in services.issue_letters(round_=round_):
        tokens[names[letter.person_name]] = letter.token
    active = Person.objects.filter(unit__path__startswith=staffed.care_home.path, is_active=True)
    assert len(tokens) == active.count()
    mail.outbox = []
    return round_, tokens


def answers_for(instrument, value: int = 4) -> dict:
    return {item.code: value for item in instrument.items.all()}
