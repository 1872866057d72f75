"""The application's one error type, mapped once for pages and once for the API.

Services and views raise `AppError` (or `Forbidden`, `NotFound`) with a
message for the user; a page shows it on the 400/403/404 page
(`AppErrorMiddleware`), the API returns it as `{"detail": ...}`
(`tillid.core.api`). `Forbidden` and `NotFound` are also Django's
`PermissionDenied` and `Http404`, so code and tests that know those keep
working.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _


class AppError(Exception):
    """Bad input or a refused action; `message` is for the user (Danish by default)."""

    status_code = 400
    default_message = _("The request could not be carried out.")

    def __init__(self, message=None) -> None:
        self.message = message or self.default_message
        super().__init__(str(self.message))


class Forbidden(AppError, PermissionDenied):
    status_code = 403
    default_message = _("You do not have access to this.")


class NotFound(AppError, Http404):
    status_code = 404
    default_message = _("Not found.")


_TEMPLATES = {400: "core/400.html", 403: "core/403.html", 404: "core/404.html"}


class AppErrorMiddleware:
    """Renders an `AppError` raised by a page as the error page for its status."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, AppError):
            return None
        status = exception.status_code
        # Only a message given by the raiser is shown: the default is the page's own text.
        message = "" if exception.message is exception.default_message else exception.message
        return render(
            request,
            _TEMPLATES.get(status, "core/400.html"),
            {"message": message},
            status=status,
        )
