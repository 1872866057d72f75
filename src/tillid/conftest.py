"""Fixtures shared by every app's tests: a small organisation and role-holders."""

from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model

from tillid.organisation import services
from tillid.organisation.models import Person, Role, UnitKind

PASSWORD = "korrekt-hest-batteri-42"


@pytest.fixture
def make_user(db):
    counter = iter(range(1, 10_000))

    def make(role: str | None = None, unit=None, *, username: str | None = None, **extra):
        user = get_user_model().objects.create_user(
            username=username or f"user{next(counter)}",
            password=PASSWORD,
            email=extra.pop("email", ""),
            **extra,
        )
        if role is not None:
            services.grant_role(user=user, role=role, unit=unit)
        return user

    return make


@pytest.fixture
def org(db):
    """Kommune → two administrations → areas → institutions → teams, with people.

    Social og Sundhed / Ældreområdet / Plejecenter Egely / Team Nord + Team Syd
    Børn og Unge / Skoleområdet / Egeskolen / Indskoling
    """
    u = SimpleNamespace()
    u.root = services.create_unit(
        external_id="K", name="Egeskov Kommune", kind=UnitKind.MUNICIPALITY
    )
    u.social = services.create_unit(
        external_id="SOS", name="Social og Sundhed", kind=UnitKind.ADMINISTRATION, parent=u.root
    )
    u.elder = services.create_unit(
        external_id="AELD", name="Ældreområdet", kind=UnitKind.AREA, parent=u.social
    )
    u.care_home = services.create_unit(
        external_id="EGELY", name="Plejecenter Egely", kind=UnitKind.INSTITUTION, parent=u.elder
    )
    u.team_north = services.create_unit(
        external_id="EGELY-N", name="Team Nord", kind=UnitKind.TEAM, parent=u.care_home
    )
    u.team_south = services.create_unit(
        external_id="EGELY-S", name="Team Syd", kind=UnitKind.TEAM, parent=u.care_home
    )
    u.children = services.create_unit(
        external_id="BOU", name="Børn og Unge", kind=UnitKind.ADMINISTRATION, parent=u.root
    )
    u.schools = services.create_unit(
        external_id="SKOLE", name="Skoleområdet", kind=UnitKind.AREA, parent=u.children
    )
    u.school = services.create_unit(
        external_id="EGESKOLEN", name="Egeskolen", kind=UnitKind.INSTITUTION, parent=u.schools
    )
    u.primary = services.create_unit(
        external_id="EGESKOLEN-I", name="Indskoling", kind=UnitKind.TEAM, parent=u.school
    )
    people = [
        ("P1", "Mette Hansen", u.care_home, True),
        ("P2", "Lars Nielsen", u.team_north, False),
        ("P3", "Sofie Jensen", u.team_north, False),
        ("P4", "Anders Pedersen", u.team_south, False),
        ("P5", "Hanne Larsen", u.team_south, True),
        ("P6", "Peter Sørensen", u.school, True),
        ("P7", "Camilla Rasmussen", u.primary, False),
    ]
    u.people = {
        ext: Person.objects.create(
            external_id=ext,
            name=name,
            email=f"{ext.lower()}@egeskov.dk",
            unit=unit,
            is_leader=leader,
        )
        for ext, name, unit, leader in people
    }
    return u


@pytest.fixture
def person_user(db):
    """A login for a person in the organisation (roles follow from the person)."""

    def make(person: Person):
        return services.create_user_for_person(
            person=person, username=person.external_id.lower(), password=PASSWORD
        )

    return make


@pytest.fixture
def roles(org, make_user, person_user):
    """One user per role, placed in the fixture organisation."""
    return SimpleNamespace(
        administrator=make_user(Role.ADMINISTRATOR, None, username="admin"),
        consultant=make_user(Role.CONSULTANT, None, username="konsulent"),
        area_consultant=make_user(Role.CONSULTANT, org.social, username="konsulent-sos"),
        leader=person_user(org.people["P1"]),  # leads Plejecenter Egely
        employee=person_user(org.people["P2"]),  # Team Nord
        other_employee=person_user(org.people["P7"]),  # Indskoling, Egeskolen
        politician=make_user(Role.POLITICIAN, None, username="politiker"),
        med_tr=make_user(Role.MED_TR, org.social, username="tr-sos"),
        nobody=make_user(None, None, username="ingen"),
    )
