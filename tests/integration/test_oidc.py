"""Single sign-on: the OIDC backend links users to people; settings switch it on."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from tillid.core.oidc import TillidOIDCBackend
from tillid.organisation.models import Person
from tillid.organisation.permissions import Perm, has_perm, roles_of

ROOT = Path(__file__).resolve().parents[2]

OIDC_ENV = {
    "OIDC_RP_CLIENT_ID": "tillid",
    "OIDC_RP_CLIENT_SECRET": "hemmelig",
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://login.example.dk/authorize",
    "OIDC_OP_TOKEN_ENDPOINT": "https://login.example.dk/token",
    "OIDC_OP_USER_ENDPOINT": "https://login.example.dk/userinfo",
    "OIDC_OP_JWKS_ENDPOINT": "https://login.example.dk/jwks",
}


@pytest.fixture
def backend(settings):
    for name, value in OIDC_ENV.items():
        setattr(settings, name, value)
    settings.OIDC_RP_SIGN_ALGO = "RS256"
    return TillidOIDCBackend()


def claims(email: str, **extra) -> dict:
    return {"email": email, "sub": f"sub-{email}", **extra}


@pytest.mark.django_db
def test_new_user_is_linked_to_the_person_and_named(backend, org):
    user = backend.create_user(claims("P2@Egeskov.dk", given_name="Lars", family_name="Nielsen"))
    user.refresh_from_db()
    assert user.first_name == "Lars"
    assert user.last_name == "Nielsen"
    assert user.username == "p2@egeskov.dk"
    person = Person.objects.get(external_id="P2")
    assert person.user == user
    # The roles from the organisation apply at once.
    assert roles_of(user) == {"employee"}
    assert has_perm(user, Perm.VIEW_PEOPLE, org.team_north)


@pytest.mark.django_db
def test_leader_gets_the_leader_role(backend, org):
    user = backend.create_user(claims("p1@egeskov.dk", name="Mette Hansen"))
    assert (user.first_name, user.last_name) == ("Mette", "Hansen")
    assert roles_of(user) == {"employee", "leader"}


@pytest.mark.django_db
def test_existing_user_is_updated_and_linked(backend, org, make_user):
    user = make_user(None, None, username="sofie", email="p3@egeskov.dk")
    assert not Person.objects.filter(user=user).exists()
    backend.update_user(user, claims("p3@egeskov.dk", given_name="Sofie", family_name="Jensen"))
    user.refresh_from_db()
    assert (user.first_name, user.last_name) == ("Sofie", "Jensen")
    assert Person.objects.get(external_id="P3").user == user


@pytest.mark.django_db
def test_full_login_finds_the_existing_user_by_email(backend, org, make_user):
    existing = make_user(None, None, username="anders", email="p4@egeskov.dk")

    class Provider(TillidOIDCBackend):
        def get_userinfo(self, access_token, id_token, payload):
            return claims("P4@egeskov.dk", given_name="Anders", family_name="Pedersen")

    user = Provider().get_or_create_user("access", "id", {})
    assert user == existing
    assert Person.objects.get(external_id="P4").user == existing
    assert get_user_model().objects.count() == 1


@pytest.mark.django_db
def test_ambiguous_email_links_nobody(backend, org):
    Person.objects.create(
        external_id="P2-DUP",
        name="Lars Nielsen (vikar)",
        email="P2@egeskov.dk",
        unit=org.school,
    )
    user = backend.create_user(claims("p2@egeskov.dk", given_name="Lars"))
    assert user.first_name == "Lars"
    assert not Person.objects.filter(user=user).exists()
    assert roles_of(user) == set()


@pytest.mark.django_db
def test_unknown_email_links_nobody(backend, org):
    user = backend.create_user(claims("ny@egeskov.dk"))
    assert not Person.objects.filter(user=user).exists()
    assert roles_of(user) == set()


@pytest.mark.django_db
def test_username_taken_falls_back_to_a_hash(backend, org, make_user):
    make_user(None, None, username="p5@egeskov.dk", email="other@example.dk")
    user = backend.create_user(claims("p5@egeskov.dk"))
    assert user.username != "p5@egeskov.dk"
    assert Person.objects.get(external_id="P5").user == user


@pytest.mark.django_db
def test_missing_or_null_name_claims_keep_the_name(backend, org, make_user):
    user = make_user(None, None, username="x", email="p6@egeskov.dk", first_name="Peter")
    backend.update_user(user, claims("p6@egeskov.dk", given_name=None, family_name=None))
    user.refresh_from_db()
    assert user.first_name == "Peter"
    assert Person.objects.get(external_id="P6").user == user


# Settings: off by default, on with OIDC_RP_CLIENT_ID (checked in a fresh process).

PROBE = (
    "from django.conf import settings; from django.urls import reverse, resolve;"
    "print(settings.OIDC_ENABLED, 'mozilla_django_oidc' in settings.INSTALLED_APPS,"
    " settings.AUTHENTICATION_BACKENDS[0]);"
    "print(reverse('oidc_authentication_init') if settings.OIDC_ENABLED else '-');"
    "print(resolve(settings.LOGIN_REDIRECT_URL_FAILURE).url_name if settings.OIDC_ENABLED else '-')"
)


def run_probe(extra_env: dict) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OIDC_")}
    env.update({"TILLID_TESTING": "1", "DATABASE_URL": "sqlite:///:memory:", **extra_env})
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "-c", PROBE],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_oidc_is_off_by_default():
    result = run_probe({})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[-3] == "False False django.contrib.auth.backends.ModelBackend"


def test_oidc_is_on_with_a_client_id():
    result = run_probe(OIDC_ENV)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[-3:] == [
        "True True tillid.core.oidc.TillidOIDCBackend",
        "/oidc/authenticate/",
        "login",
    ]


def test_oidc_with_missing_settings_refuses_to_start():
    partial = {"OIDC_RP_CLIENT_ID": "tillid", "OIDC_RP_CLIENT_SECRET": "x"}
    result = run_probe(partial)
    assert result.returncode != 0
    assert "OIDC_OP_AUTHORIZATION_ENDPOINT" in result.stderr
    assert "OIDC_OP_JWKS_ENDPOINT" in result.stderr
