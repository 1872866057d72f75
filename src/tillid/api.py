"""The REST API: one NinjaAPI, each module adds its router here.

Authentication (API key or browser session, both needing the "use_api"
permission) and the JSON error responses with Danish texts are in
tillid.core.api. The OpenAPI document is /api/openapi.json and the
interactive documentation /api/docs (Swagger UI from Tillid's own static files).
"""

from ninja import NinjaAPI

from tillid.core.api import API_DESCRIPTION, ApiKeyAuth, BrowserSessionAuth, install_error_handlers

api = NinjaAPI(
    title="Tillid API",
    version="1",
    description=str(API_DESCRIPTION),
    # A logged-in browser session may use the API too (CSRF-checked), with
    # the same permissions as the pages.
    auth=[ApiKeyAuth(), BrowserSessionAuth()],
    urls_namespace="api",
)
install_error_handlers(api)

from tillid.compass.api import router as compass_router  # noqa: E402
from tillid.delegation.api import router as delegation_router  # noqa: E402
from tillid.governance.api import router as governance_router  # noqa: E402
from tillid.organisation.api import router as organisation_router  # noqa: E402
from tillid.overview.api import router as overview_router  # noqa: E402
from tillid.trials.api import router as trials_router  # noqa: E402

api.add_router("/organisation/", organisation_router)
api.add_router("/governance/", governance_router)
api.add_router("/compass/", compass_router)
api.add_router("/trials/", trials_router)
api.add_router("/delegation/", delegation_router)
api.add_router("/overview/", overview_router)
