"""What every app's views share: permission checks, pages of a list, service
errors on a form, and file downloads. One way each, used everywhere.

    from tillid.core.viewkit import add_errors, file_response, message_errors, paginate, require

Permission questions are asked of `tillid.organisation.permissions` (which
offers `require_perm(user, perm, unit)` on top of `require`); core only
turns a "no" into the application's `Forbidden`.
"""

import unicodedata
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.forms import BaseForm
from django.http import HttpResponse

from tillid.core.errors import AppError, Forbidden


def require(allowed: bool, message=None) -> None:
    """Refuse the request (403, Danish text on a page and in the API) unless `allowed`."""
    if not allowed:
        raise Forbidden(message)


def paginate(request, object_list: Sequence[Any] | Any, per_page: int = 0) -> Page:
    """The page of `object_list` asked for in `?page=`, `settings.TILLID_PAGE_SIZE` long
    unless a page of `per_page` suits the list better."""
    size = per_page or settings.TILLID_PAGE_SIZE
    return Paginator(object_list, size).get_page(request.GET.get("page"))


def add_errors(form, error: Exception) -> None:
    """Put a service's error onto `form`: a field's errors on that field when the
    form has it, everything else above the fields."""
    if isinstance(error, ValidationError):
        if hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                for e in errors:
                    for message in e.messages:
                        form.add_error(name if name in form.fields else None, message)
        else:
            for message in error.messages:
                form.add_error(None, message)
    elif isinstance(error, AppError):
        form.add_error(None, str(error.message))
    else:  # an app's own error type whose text is for the user
        form.add_error(None, str(error))


def message_errors(request, error: Exception | BaseForm) -> None:
    """A service's error (or an invalid form's errors) as messages on the next
    page, for an action that redirects instead of showing its form again."""
    if isinstance(error, BaseForm):
        texts = [str(m) for errors in error.errors.values() for m in errors]
    elif isinstance(error, ValidationError):
        texts = error.messages
    elif isinstance(error, AppError):
        texts = [str(error.message)]
    else:  # an app's own error type whose text is for the user
        texts = [str(error)]
    for text in texts:
        messages.error(request, text)


CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def file_response(content: bytes, filename: str, content_type: str = "") -> HttpResponse:
    """A download of `content` named `filename` (Danish letters kept, RFC 6266)."""
    extension = filename.rpartition(".")[2].lower()
    response = HttpResponse(
        content,
        content_type=content_type or CONTENT_TYPES.get(extension, "application/octet-stream"),
    )
    response["Content-Disposition"] = content_disposition(filename)
    return response


_DANISH = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "Ae", "Ø": "Oe", "Å": "Aa"})


def content_disposition(filename: str) -> str:
    """`attachment` with the name as ASCII for old clients and in UTF-8 (RFC 5987)
    for the rest, so "tillidsdosering-Søren.xlsx" keeps its ø."""
    fallback = unicodedata.normalize("NFKD", filename.translate(_DANISH))
    fallback = fallback.encode("ascii", "ignore").decode().replace("\\", "_").replace('"', "_")
    if fallback == filename:
        return f'attachment; filename="{filename}"'
    return f"attachment; filename=\"{fallback}\"; filename*=utf-8''{quote(filename)}"
