"""Login through SAML 2.0 (OIOSAML 3) end to end against a pysaml2 IdP started here.

The IdP stands in for KOMBIT's Context Handler: it signs (and encrypts) its
assertions with a throwaway key, sends OIOSAML 3 attributes and the
privileges attribute with job-function roles and their data scope (org units).
Tillid runs in-process (Django's test client) with the SAML settings that
settings.py builds from the environment; the IdP is reached over HTTP.
"""

import html
import os
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.integration.saml_idp import LocalIdP, make_key_pair, privileges_value
from tillid.organisation import saml, saml_config, services
from tillid.organisation.models import JobFunctionRole, Person, Role, RoleGrant
from tillid.organisation.permissions import Perm, has_perm, roles_of

ROOT = Path(__file__).resolve().parents[2]
LEADER = "http://tillid.dk/roles/jobfunction/leder"
CONSULTANT = "http://tillid.dk/roles/jobfunction/styringskonsulent"
UNMAPPED = "http://kombit.dk/roles/jobfunction/sagsbehandler"


@pytest.fixture
def idp(tmp_path):
    server = LocalIdP(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def saml_on(settings, tmp_path, idp):
    """The settings settings.py makes from SAML_IDP_METADATA_URL and friends."""
    key, cert = make_key_pair(tmp_path, "sp")
    settings.SAML_ENABLED = True
    settings.SAML_IDP_METADATA_URL = idp.metadata_url
    settings.SAML_IDP_METADATA_FILE = ""
    settings.SAML_CONFIG = saml_config.sp_config(
        base_url="http://testserver", entity_id="", key_file=key, cert_file=cert
    )
    settings.SAML_CONFIG_LOADER = "tillid.organisation.saml.load_config"
    settings.SAML_DEFAULT_BINDING = saml_config.BINDING_HTTP_REDIRECT
    settings.SAML_LOGOUT_REQUEST_PREFERRED_BINDING = saml_config.BINDING_HTTP_REDIRECT
    settings.SAML_ATTRIBUTE_MAPPING = {}
    settings.SAML_PERSON_FIELD = "email"
    settings.SAML_PERSON_ATTRIBUTE = saml_config.OIOSAML_EMAIL
    settings.SAML_PRIVILEGES_ATTRIBUTE = saml_config.OIOSAML_PRIVILEGES
    settings.SAML_UNIT_CONSTRAINT = saml_config.KOMBIT_UNIT_CONSTRAINT
    settings.SAML_CREATE_USER = True
    middleware = list(settings.MIDDLEWARE)
    middleware.insert(
        middleware.index("django.contrib.sessions.middleware.SessionMiddleware") + 1,
        "djangosaml2.middleware.SamlSessionMiddleware",
    )
    settings.MIDDLEWARE = middleware
    settings.AUTHENTICATION_BACKENDS = [
        "tillid.organisation.saml.TillidSaml2Backend",
        "django.contrib.auth.backends.ModelBackend",
    ]
    settings.ROOT_URLCONF = "tests.integration.saml_urlconf"
    saml._metadata.clear()
    client = Client()
    # Tillid publishes its SP metadata; the IdP is given it, as at registration.
    metadata = client.get("/saml2/metadata/")
    assert metadata.status_code == 200
    idp.set_sp_metadata(metadata.content.decode())
    return client


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def at_idp(url: str) -> tuple[int, str, str]:
    """GET at the IdP without following redirects: (status, Location, body)."""
    opener = urllib.request.build_opener(NoRedirect())
    try:
        answer = opener.open(url, timeout=30)
        return answer.status, "", answer.read().decode()
    except urllib.error.HTTPError as redirect:
        return redirect.code, redirect.headers.get("Location", ""), ""


def local(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    assert parts.netloc in ("", "testserver"), url
    return parts.path + (f"?{parts.query}" if parts.query else "")


def log_in(client: Client, idp: LocalIdP, *, subject: str, email: str, groups, next_url="/"):
    """The whole browser round trip; returns Tillid's answer to the IdP's POST."""
    idp.user = {
        "subject": subject,
        "attributes": {
            saml_config.OIOSAML_EMAIL: [email],
            saml_config.OIOSAML_FIRST_NAME: ["Mette"],
            saml_config.OIOSAML_LAST_NAME: ["Hansen"],
            saml_config.OIOSAML_PRIVILEGES: [privileges_value(groups)],
        },
    }
    start = client.get("/saml2/login/", {"next": next_url})
    assert start.status_code == 302
    assert start["Location"].startswith(idp.base + "/sso?SAMLRequest=")
    assert "Signature=" in start["Location"]  # OIOSAML 3: signed requests
    status, _location, page = at_idp(start["Location"])
    assert status == 200
    action = html.unescape(re.search(r'action="([^"]+)"', page).group(1))
    fields = {
        name: html.unescape(value)
        for name, value in re.findall(r'name="(\w+)" value="([^"]*)"', page)
    }
    assert "SAMLResponse" in fields
    return client.post(local(action), fields)


@pytest.fixture
def mapping(db):
    services.add_job_function_role(privilege=LEADER, role=Role.LEADER, whole_organisation=False)
    services.add_job_function_role(
        privilege=CONSULTANT, role=Role.CONSULTANT, whole_organisation=True
    )


@pytest.mark.django_db
def test_login_maps_job_function_roles_to_roles_per_unit(saml_on, idp, org, mapping):
    client = saml_on
    answer = log_in(
        client,
        idp,
        subject="urn:uuid:5b4a6f3c-0000-4000-8000-000000000001",
        email="P1@egeskov.dk",
        groups=[([LEADER], [org.care_home.external_id]), ([UNMAPPED], [org.school.external_id])],
        next_url="/styring/",
    )
    assert answer.status_code == 302
    assert answer["Location"] == "/styring/"
    user = get_user_model().objects.get(username="urn:uuid:5b4a6f3c-0000-4000-8000-000000000001")
    assert (user.first_name, user.last_name, user.email) == ("Mette", "Hansen", "P1@egeskov.dk")
    # Linked to the person with that e-mail: the organisation's roles apply too.
    assert Person.objects.get(external_id="P1").user == user
    grants = set(
        RoleGrant.objects.filter(user=user).values_list("role", "unit__external_id", "from_sso")
    )
    assert grants == {(Role.LEADER, "EGELY", True)}
    assert has_perm(user, Perm.MANAGE_DELEGATION, org.team_north)
    assert not has_perm(user, Perm.MANAGE_DELEGATION, org.school)
    assert int(client.session["_auth_user_id"]) == user.pk
    assert client.get("/").status_code == 200

    # The next login replaces the grants from the last one; a grant by hand stays.
    services.grant_role(user=user, role=Role.MED_TR, unit=org.social)
    client.logout()
    log_in(
        client,
        idp,
        subject="urn:uuid:5b4a6f3c-0000-4000-8000-000000000001",
        email="p1@egeskov.dk",
        groups=[([CONSULTANT], [])],
    )
    grants = set(
        RoleGrant.objects.filter(user=user).values_list("role", "unit__external_id", "from_sso")
    )
    assert grants == {(Role.CONSULTANT, None, True), (Role.MED_TR, "SOS", False)}
    assert get_user_model().objects.count() == 1


@pytest.mark.django_db
def test_a_login_without_a_mapped_role_is_refused_in_danish(saml_on, idp, org, mapping):
    answer = log_in(
        saml_on,
        idp,
        subject="urn:uuid:no-role",
        email="p2@egeskov.dk",
        groups=[([UNMAPPED], [org.team_north.external_id])],
    )
    assert answer.status_code == 403
    page = answer.content.decode()
    assert "Ingen adgang til Tillid" in page
    assert "jobfunktionsroller" in page
    assert "_auth_user_id" not in saml_on.session
    assert not get_user_model().objects.exists()
    assert Person.objects.get(external_id="P2").user is None
    # A leader role whose data scope names no unit Tillid knows gives nothing either.
    answer = log_in(
        saml_on,
        idp,
        subject="urn:uuid:no-unit",
        email="p2@egeskov.dk",
        groups=[([LEADER], ["ukendt"])],
    )
    assert answer.status_code == 403


@pytest.mark.django_db
def test_logout_ends_the_session_at_the_identity_provider_too(saml_on, idp, org, mapping):
    client = saml_on
    log_in(
        client, idp, subject="urn:uuid:bye", email="p1@egeskov.dk", groups=[([LEADER], ["EGELY"])]
    )
    assert "_auth_user_id" in client.session
    answer = client.post("/konto/log-ud/")
    assert answer.status_code == 302
    assert answer["Location"] == "/saml2/logout/"
    to_idp = client.get("/saml2/logout/")
    assert to_idp.status_code == 302
    assert to_idp["Location"].startswith(idp.base + "/slo?")
    assert "_auth_user_id" not in client.session
    status, back, _body = at_idp(to_idp["Location"])
    assert (status, idp.logouts) == (303, 1)
    done = client.get(local(back))
    assert done.status_code == 302
    assert done["Location"] == "/konto/log-ind/"
    assert client.get("/").status_code == 302  # the front page wants a login again


@pytest.mark.django_db
def test_login_page_offers_the_municipal_login(saml_on):
    page = saml_on.get("/konto/log-ind/?next=/styring/").content.decode()
    assert 'href="/saml2/login/?next=/styring/"' in page


@pytest.mark.django_db
def test_a_forged_assertion_is_refused(saml_on, idp, tmp_path, org, mapping):
    # The same IdP entity signing with another key: Tillid checks the signature.
    idp.key_file, idp.cert_file = make_key_pair(tmp_path, "forger")
    idp._config.update(key_file=idp.key_file, cert_file=idp.cert_file)
    idp.set_sp_metadata(saml_on.get("/saml2/metadata/").content.decode())
    answer = log_in(
        saml_on, idp, subject="urn:uuid:forged", email="p1@egeskov.dk", groups=[([CONSULTANT], [])]
    )
    assert answer.status_code == 403
    assert (
        "Login mislykkedes" in answer.content.decode() or "lykkedes ikke" in answer.content.decode()
    )
    assert not get_user_model().objects.exists()


def test_privileges_attribute_is_read_with_its_data_scope():
    value = privileges_value([([LEADER, CONSULTANT], ["u-1", "u-2"]), ([UNMAPPED], [])])
    privileges = saml.parse_privileges(
        [value, "not base64 xml!"], saml_config.KOMBIT_UNIT_CONSTRAINT
    )
    assert [(p.name, p.unit_ids) for p in privileges] == [
        (LEADER, ("u-1", "u-2")),
        (CONSULTANT, ("u-1", "u-2")),
        (UNMAPPED, ()),
    ]


@pytest.mark.django_db
def test_people_can_be_matched_by_employee_number(org):
    services.add_job_function_role(privilege=LEADER, role=Role.LEADER, whole_organisation=False)
    user = services.sso_login(
        username="urn:uuid:x",
        person_field="external_id",
        person_value="P5",
        first_name="",
        last_name="",
        email="",
        privileges=[services.Privilege(name=LEADER, unit_ids=("EGELY-S",))],
        create_user=True,
    )
    assert Person.objects.get(external_id="P5").user == user
    assert roles_of(user) == {"employee", "leader"}


@pytest.mark.django_db
def test_unknown_users_are_not_created_when_switched_off(org):
    services.add_job_function_role(privilege=LEADER, role=Role.LEADER, whole_organisation=True)
    kwargs = {
        "person_field": "email",
        "person_value": "p3@egeskov.dk",
        "first_name": "",
        "last_name": "",
        "email": "",
        "privileges": [services.Privilege(name=LEADER)],
        "create_user": False,
    }
    assert services.sso_login(username="urn:uuid:y", **kwargs) is None
    assert not get_user_model().objects.exists()
    assert not JobFunctionRole.objects.filter(privilege=UNMAPPED).exists()


@pytest.mark.django_db
def test_administrators_keep_the_mapping_table(client, roles):
    url = "/organisation/roller/jobfunktioner/"
    client.force_login(roles.consultant)
    assert client.get(url).status_code == 403
    client.force_login(roles.administrator)
    page = client.get(url).content.decode()
    assert "Ingen jobfunktionsroller er knyttet" in page
    bad = client.post(url, {"privilege": "to ord", "role": Role.LEADER})
    assert "uden mellemrum" in bad.content.decode()
    assert not JobFunctionRole.objects.exists()
    client.post(url, {"privilege": LEADER, "role": Role.LEADER})
    client.post(url, {"privilege": CONSULTANT, "role": Role.CONSULTANT, "whole_organisation": "on"})
    rows = set(JobFunctionRole.objects.values_list("privilege", "role", "whole_organisation"))
    assert rows == {(LEADER, Role.LEADER, False), (CONSULTANT, Role.CONSULTANT, True)}
    page = client.get(url).content.decode()
    assert LEADER in page
    assert "Enhederne i dataafgrænsningen" in page
    mapping = JobFunctionRole.objects.get(privilege=LEADER)
    client.post(f"{url}{mapping.pk}/fjern/")
    assert not JobFunctionRole.objects.filter(pk=mapping.pk).exists()


# Settings: off by default, on with the IdP's metadata (checked in a fresh process).

PROBE = (
    "from django.conf import settings; from django.urls import reverse;"
    "print(settings.SAML_ENABLED, 'djangosaml2' in settings.INSTALLED_APPS,"
    " settings.AUTHENTICATION_BACKENDS[0]);"
    "print(reverse('saml2_metadata') if settings.SAML_ENABLED else '-');"
    "print(settings.SAML_CONFIG['entityid'] if settings.SAML_ENABLED else '-')"
)


def run_probe(extra_env: dict) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAML_", "OIDC_"))}
    env.update({"TILLID_TESTING": "1", "DATABASE_URL": "sqlite:///:memory:", **extra_env})
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "-c", PROBE],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_saml_is_off_by_default():
    result = run_probe({})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-3] == (
        "False False django.contrib.auth.backends.ModelBackend"
    )


def test_saml_is_on_with_the_idp_metadata(tmp_path):
    (tmp_path / "idp.xml").write_text("<md:EntityDescriptor/>")
    result = run_probe(
        {
            "SAML_IDP_METADATA_FILE": str(tmp_path / "idp.xml"),
            "SAML_SP_BASE_URL": "https://tillid.example.dk",
            "SAML_SP_KEY_FILE": "/etc/tillid/saml.key",
            "SAML_SP_CERT_FILE": "/etc/tillid/saml.crt",
        }
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-3:] == [
        "True True tillid.organisation.saml.TillidSaml2Backend",
        "/saml2/metadata/",
        "https://tillid.example.dk/saml2/metadata/",
    ]


def test_saml_with_missing_settings_refuses_to_start():
    result = run_probe({"SAML_IDP_METADATA_URL": "https://idp.example.dk/metadata"})
    assert result.returncode != 0
    assert "SAML_SP_BASE_URL, SAML_SP_KEY_FILE, SAML_SP_CERT_FILE" in result.stderr
