"""Fixtures shared by every app's tests: a small organisation and role-holders."""

from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model

from tillid.organisation import services
from tillid.organisation.models import Person, Role
from tillid.organisation.testing import PASSWORD, build_org


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
    """The small municipality of `tillid.organisation.testing.build_org`."""
    return build_org()


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
