"""The REST API: one NinjaAPI, each module adds its router here."""

from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI
from ninja.security import HttpBearer, django_auth

from tillid.core.selectors import user_for_api_token


class ApiKeyAuth(HttpBearer):
    def authenticate(self, request, token):
        user = user_for_api_token(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="Tillid API",
    version="1",
    description=str(
        _(
            "Read access to Tillid's data with the permissions of the key's owner. "
            "Authenticate with the header 'Authorization: Bearer <key>'; keys are created "
            "under 'API keys' in Tillid."
        )
    ),
    # A logged-in browser session may use the API too (CSRF-checked), with
    # the same permissions as the pages.
    auth=[ApiKeyAuth(), django_auth],
    urls_namespace="api",
)

from tillid.compass.api import router as compass_router  # noqa: E402
from tillid.delegation.api import router as delegation_router  # noqa: E402
from tillid.governance.api import router as governance_router  # noqa: E402
from tillid.organisation.api import router as organisation_router  # noqa: E402
from tillid.trials.api import router as trials_router  # noqa: E402

api.add_router("/organisation/", organisation_router)
api.add_router("/governance/", governance_router)
api.add_router("/compass/", compass_router)
api.add_router("/trials/", trials_router)
api.add_router("/delegation/", delegation_router)
