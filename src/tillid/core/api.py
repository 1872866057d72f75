"""API authentication and error responses, used by the NinjaAPI in tillid/api.py.

Authentication: a personal API key (`Authorization: Bearer tl_…`, see
models.ApiToken) or a logged-in browser session (CSRF-checked). Either way the
caller needs the "use_api" permission for some unit (asked of the permission
function named by settings.TILLID_PERMISSION_CHECK, so core does not import
the organisation app); after that every endpoint asks the permission function
like the pages do.

Errors are JSON `{"detail": "<Danish text>"}` (validation errors add the
pydantic `errors` list); the application's `tillid.core.errors.AppError`
keeps its status and message. The texts live here so they are in core's catalogue.
"""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError
from ninja.security import HttpBearer
from ninja.security.session import SessionAuth
from ninja.utils import check_csrf

from tillid.core.errors import AppError
from tillid.core.selectors import user_for_api_token

logger = logging.getLogger("tillid.api")

API_DESCRIPTION = gettext_lazy(
    "Read access to Tillid's data with the permissions of the key's owner. "
    "Authenticate with the header 'Authorization: Bearer <key>'; keys are created "
    "under 'API keys' in Tillid."
)


class ApiAccessDenied(AuthorizationError):
    """The caller is known but has no role that allows the API."""

    def __init__(self) -> None:
        super().__init__(message=_("Your roles do not give access to the API."))


def may_use_api(user) -> bool:
    return bool(import_string(settings.TILLID_PERMISSION_CHECK)(user, "use_api"))


def _check_api_access(user) -> None:
    if not may_use_api(user):
        raise ApiAccessDenied


class ApiKeyAuth(HttpBearer):
    """`Authorization: Bearer tl_…` with a key from the API keys page."""

    def authenticate(self, request, token):
        user = user_for_api_token(token.strip())
        if user is None:
            # A key that was sent but is wrong, revoked or belongs to a
            # deactivated user is refused outright, never tried as a session.
            raise AuthenticationError(message=_("The API key is not valid or has been revoked."))
        _check_api_access(user)
        request.user = user
        return user


class BrowserSessionAuth(SessionAuth):
    """The logged-in browser session, with Django's CSRF check on writes."""

    def _get_key(self, request):
        exempt = getattr(request, "_ninja_csrf_exempt", False)
        if self.csrf and not exempt and check_csrf(request):
            raise HttpError(403, _("The request was refused by the CSRF check."))
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        _check_api_access(user)
        return user


# Errors: JSON with a Danish `detail` (the request's language; Danish by default).

_DEFAULT_DETAIL = {
    400: gettext_lazy("The request could not be read."),
    401: gettext_lazy(
        "Log in or send a valid API key in the header 'Authorization: Bearer <key>'."
    ),
    403: gettext_lazy("You do not have access to this."),
    404: gettext_lazy("Not found."),
    429: gettext_lazy("Too many requests. Try again in a moment."),
}


def _error(request, status: int, detail, **extra):
    response = JsonResponse(
        {"detail": str(detail), **extra}, status=status, json_dumps_params={"ensure_ascii": False}
    )
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="tillid"'
    return response


# ninja's own messages are English; they are replaced by the Danish text for
# the status. Messages raised by Tillid's code are translated already.
_NINJA_MESSAGES = ("Unauthorized", "Forbidden", "CSRF check Failed", "Too many requests.")


def _http_error(request, exc: HttpError):
    message = str(exc.message)
    if message in _NINJA_MESSAGES or message.startswith("Cannot parse request body"):
        detail = _DEFAULT_DETAIL.get(exc.status_code, message)
    else:
        detail = message
    return _error(request, exc.status_code, detail)


def _app_error(request, exc: AppError):
    return _error(request, exc.status_code, exc.message)


def _not_found(request, exc: Http404):
    return _error(request, 404, _DEFAULT_DETAIL[404])


def _permission_denied(request, exc: PermissionDenied):
    return _error(request, 403, _DEFAULT_DETAIL[403])


def _validation_error(request, exc: ValidationError):
    errors = [
        {key: value for key, value in error.items() if key in {"type", "loc", "msg"}}
        for error in exc.errors
    ]
    return _error(request, 422, _("The request has invalid or missing parameters."), errors=errors)


def _server_error(request, exc: Exception):
    if settings.DEBUG:
        raise exc
    logger.exception("API error on %s", request.path, exc_info=exc)
    return _error(request, 500, _("Something went wrong on our side. Try again later."))


def install_error_handlers(api) -> None:
    """Make every error of `api` a JSON response with a Danish `detail`."""
    api.add_exception_handler(HttpError, _http_error)
    api.add_exception_handler(AppError, _app_error)
    api.add_exception_handler(Http404, _not_found)
    api.add_exception_handler(PermissionDenied, _permission_denied)
    api.add_exception_handler(ValidationError, _validation_error)
    api.add_exception_handler(Exception, _server_error)
