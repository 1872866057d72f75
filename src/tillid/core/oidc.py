"""Single sign-on through OpenID Connect (mozilla-django-oidc), off by default.

The municipality's identity provider is the source of the login; Tillid
links the user to the person with the same e-mail address from the
organisation import, so roles derived from the organisation apply at once.
"""

from mozilla_django_oidc.auth import OIDCAuthenticationBackend


class TillidOIDCBackend(OIDCAuthenticationBackend):
    def create_user(self, claims):
        user = super().create_user(claims)
        return self._sync(user, claims)

    def update_user(self, user, claims):
        return self._sync(user, claims)

    def _sync(self, user, claims):
        from tillid.organisation.services import link_user_to_person

        user.first_name = claims.get("given_name", user.first_name)[:150]
        user.last_name = claims.get("family_name", user.last_name)[:150]
        user.save(update_fields=["first_name", "last_name"])
        link_user_to_person(user=user)
        return user
