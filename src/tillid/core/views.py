import sys

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tillid.core import api, selectors, services
from tillid.core.forms import ApiTokenForm

# The login method is noted in the session by tillid.core.saml (same string).
_SAML_SESSION_KEY = "tillid_login_method"


@require_POST
def logout(request):
    """Log out; after a SAML login also at the identity provider (single logout)."""
    if (
        getattr(settings, "SAML_ENABLED", False)
        and request.session.get(_SAML_SESSION_KEY) == "saml"
    ):
        # djangosaml2 logs out here and sends the logout request to the IdP.
        return redirect("saml2_logout")
    return auth_views.LogoutView.as_view()(request)


def accessibility_statement(request):
    return render(request, "core/accessibility.html")


@login_required
def api_tokens(request):
    new_key = None
    may_use_api = api.may_use_api(request.user)
    if request.method == "POST" and not may_use_api:
        messages.error(request, _("Your roles do not give access to the API."))
        return redirect("api_tokens")
    if request.method == "POST":
        form = ApiTokenForm(request.POST)
        if form.is_valid():
            _token, new_key = services.create_api_token(
                user=request.user, name=form.cleaned_data["name"]
            )
            form = ApiTokenForm()
    else:
        form = ApiTokenForm()
    return render(
        request,
        "core/api_tokens.html",
        {
            "form": form,
            "tokens": selectors.api_tokens_for(request.user),
            "new_key": new_key,
            "may_use_api": may_use_api,
        },
    )


@login_required
@require_POST
def api_token_revoke(request, token_id: int):
    if services.revoke_api_token(user=request.user, token_id=token_id):
        messages.success(request, _("The API key has been revoked."))
    else:
        messages.error(request, _("The API key was not found or is already revoked."))
    return redirect("api_tokens")


def _ensure_user(request) -> None:
    # A request refused before the authentication middleware ran (a wrong
    # Host header, say) has no user; the layout's context needs one.
    if not hasattr(request, "user"):
        request.user = AnonymousUser()


def permission_denied(request, exception=None):
    _ensure_user(request)
    return render(request, "core/403.html", status=403)


def page_not_found(request, exception=None):
    _ensure_user(request)
    return render(request, "core/404.html", status=404)


# The database did not answer: a restart or a fail-over, over in seconds.
DATABASE_DOWN = (OperationalError, InterfaceError)


def database_unavailable() -> HttpResponse:
    """A 503 page made without the database (no user, no context processors)."""
    response = HttpResponse(render_to_string("core/503.html"), status=503)
    response["Retry-After"] = "5"
    return response


def _database_down(exc: BaseException | None) -> bool:
    # The error may come wrapped, e.g. by the session store while loading a session.
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, DATABASE_DOWN):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def server_error(request):
    if _database_down(sys.exc_info()[1]):
        return database_unavailable()
    _ensure_user(request)
    return render(request, "core/500.html", status=500)


def bad_request(request, exception=None):
    _ensure_user(request)
    return render(request, "core/400.html", status=400)
