"""Login through SAML 2.0 (OIOSAML 3, KOMBIT's Context Handler) with djangosaml2.

Setting SAML_IDP_METADATA_URL or SAML_IDP_METADATA_FILE switches it on (see
settings.py and the README). The login's job-function roles (the privileges
attribute, each with a data scope naming org units) become Tillid roles per
unit through the table administrators keep under Organisation → Roller →
Jobfunktionsroller; the user is linked to their person by e-mail or employee
number. A login whose roles map to nothing is refused with a Danish page.
"""

import base64
import binascii
import copy
import hashlib
import threading
import time
import urllib.request
from xml.etree.ElementTree import ParseError

from defusedxml import ElementTree
from django.conf import settings
from django.shortcuts import render
from djangosaml2.backends import Saml2Backend
from djangosaml2.views import AssertionConsumerServiceView
from saml2.config import SPConfig

from tillid.organisation import saml_config
from tillid.organisation.services import NoMappedRole, Privilege

# The session remembers that the login came through SAML, so that logging out
# of Tillid also ends the session at the identity provider.
SESSION_KEY = "tillid_login_method"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse_privileges(values: list[str], unit_constraint: str) -> list[Privilege]:
    """Job-function roles from OIOSAML 3's privileges attribute (Basic Privilege Profile).

    Each value is a base64-encoded (or plain) PrivilegeList: groups of
    Privilege elements with Constraint elements; the constraint named
    `unit_constraint` carries the data scope's org unit (its UUID). Values
    that are not such XML are skipped.
    """
    privileges = []
    for value in values:
        text = (value or "").strip()
        if not text.startswith("<"):
            try:
                text = base64.b64decode(text, validate=False).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                continue
        try:
            root = ElementTree.fromstring(text)
        except (ParseError, ValueError):
            continue
        for group in root.iter():
            if _local(group.tag) != "PrivilegeGroup":
                continue
            units = tuple(
                child.text.strip()
                for child in group
                if _local(child.tag) == "Constraint"
                and child.get("Name") == unit_constraint
                and (child.text or "").strip()
            )
            privileges.extend(
                Privilege(name=child.text.strip(), unit_ids=units)
                for child in group
                if _local(child.tag) == "Privilege" and (child.text or "").strip()
            )
    return privileges


def _values(ava: dict, name: str) -> list[str]:
    wanted = name.lower()
    for key, values in ava.items():
        if key.lower() == wanted:
            return [str(v) for v in values] if isinstance(values, list | tuple) else [str(values)]
    return []


def _first(ava: dict, name: str) -> str:
    values = _values(ava, name)
    return values[0].strip() if values else ""


def username_for(subject: str) -> str:
    # A persistent NameID is usually short; a long one is hashed to fit.
    if len(subject) <= 150:
        return subject
    return "sso-" + hashlib.sha256(subject.encode()).hexdigest()[:40]


class TillidSaml2Backend(Saml2Backend):
    def authenticate(
        self,
        request,
        session_info=None,
        attribute_mapping=None,
        create_unknown_user=True,
        assertion_info=None,
        **kwargs,
    ):
        if not session_info or "ava" not in session_info:
            return None
        ava = session_info["ava"]
        subject = getattr(session_info.get("name_id"), "text", "") or ""
        person_value = _first(ava, settings.SAML_PERSON_ATTRIBUTE)
        if not subject and not person_value:
            return None
        first, last = (
            _first(ava, saml_config.OIOSAML_FIRST_NAME),
            _first(ava, saml_config.OIOSAML_LAST_NAME),
        )
        if not first and not last:
            first, _sep, last = _first(ava, saml_config.OIOSAML_FULL_NAME).partition(" ")
        privileges = parse_privileges(
            _values(ava, settings.SAML_PRIVILEGES_ATTRIBUTE), settings.SAML_UNIT_CONSTRAINT
        )
        from tillid.organisation.services import sso_login

        try:
            user = sso_login(
                username=username_for(subject or person_value),
                person_field=settings.SAML_PERSON_FIELD,
                person_value=person_value,
                first_name=first,
                last_name=last,
                email=_first(ava, saml_config.OIOSAML_EMAIL),
                privileges=privileges,
                create_user=settings.SAML_CREATE_USER,
            )
        except NoMappedRole:
            if request is not None:
                request.tillid_sso_refused = True
            return None
        if user is None or not self.user_can_authenticate(user):
            return None
        return user


class AssertionConsumerService(AssertionConsumerServiceView):
    def handle_acs_failure(self, request, exception=None, status=403, **kwargs):
        if getattr(request, "tillid_sso_refused", False):
            return render(request, "core/sso_refused.html", status=403)
        return render(request, "core/sso_failed.html", status=status)

    def post_login_hook(self, request, user, session_info) -> None:
        request.session[SESSION_KEY] = "saml"


# The identity provider's metadata from a URL: fetched once an hour per
# process (not at every login), the last good copy kept if a fetch fails.
# It is configuration from outside, the same in every process.
METADATA_MAX_AGE_S = 3600
_metadata_lock = threading.Lock()
_metadata: dict[str, tuple[float, str]] = {}


def _metadata_from_url(url: str) -> str:
    with _metadata_lock:
        fetched = _metadata.get(url)
        if fetched and time.monotonic() - fetched[0] < METADATA_MAX_AGE_S:
            return fetched[1]
        try:
            with urllib.request.urlopen(url, timeout=10) as answer:
                text = answer.read().decode("utf-8")
        except OSError:
            if fetched:
                return fetched[1]
            raise
        _metadata[url] = (time.monotonic(), text)
        return text


def load_config(request=None) -> SPConfig:
    """djangosaml2's SAML_CONFIG_LOADER: the SP settings plus the IdP's metadata."""
    config = copy.deepcopy(settings.SAML_CONFIG)
    if settings.SAML_IDP_METADATA_FILE:
        config["metadata"] = {"local": [settings.SAML_IDP_METADATA_FILE]}
    else:
        config["metadata"] = {"inline": [_metadata_from_url(settings.SAML_IDP_METADATA_URL)]}
    conf = SPConfig()
    conf.load(config)
    return conf
