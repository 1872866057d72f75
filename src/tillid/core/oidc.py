"""Single sign-on through OpenID Connect (mozilla-django-oidc), off by default.

Setting OIDC_RP_CLIENT_ID (and the provider's endpoints, see deploy/README.md)
switches it on. The municipality's identity provider is the source of the
login; Tillid links the user to the person with the same e-mail address from
the organisation import, so the roles that follow from the organisation
(employee of one's unit, leader) apply at once. An e-mail address shared by
several people links nobody: an administrator must decide. The linker is
named by settings.TILLID_PERSON_LINKER (as the permission check is by
TILLID_PERMISSION_CHECK), so core imports no app.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.module_loading import import_string
from mozilla_django_oidc.auth import OIDCAuthenticationBackend


def _claim(claims: dict, name: str) -> str:
    value = claims.get(name)
    return value.strip() if isinstance(value, str) else ""


class TillidOIDCBackend(OIDCAuthenticationBackend):
    def get_username(self, claims):
        # The e-mail address is a username administrators recognise when they
        # grant roles; fall back to mozilla's hash when it is taken or too long.
        email = _claim(claims, "email").lower()
        if (
            email
            and len(email) <= 150
            and not get_user_model().objects.filter(username__iexact=email).exists()
        ):
            return email
        return super().get_username(claims)

    # One transaction each: a user is never left without the link to its person.
    @transaction.atomic
    def create_user(self, claims):
        user = super().create_user(claims)
        return self._sync(user, claims)

    @transaction.atomic
    def update_user(self, user, claims):
        return self._sync(user, claims)

    def _sync(self, user, claims):
        first = _claim(claims, "given_name")
        last = _claim(claims, "family_name")
        if not first and not last:
            first, _sep, last = _claim(claims, "name").partition(" ")
        changed = []
        if first and first[:150] != user.first_name:
            user.first_name = first[:150]
            changed.append("first_name")
        if last and last[:150] != user.last_name:
            user.last_name = last[:150]
            changed.append("last_name")
        email = _claim(claims, "email")
        if email and not user.email:
            user.email = email
            changed.append("email")
        if changed:
            user.save(update_fields=changed)
        import_string(settings.TILLID_PERSON_LINKER)(user=user)
        return user
