from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from tillid.api import api
from tillid.core import views as core_views
from tillid.core.forms import LoginForm
from tillid.organisation import views as organisation_views

urlpatterns = [
    path("", organisation_views.home, name="home"),
    path(
        "konto/log-ind/",
        auth_views.LoginView.as_view(authentication_form=LoginForm),
        name="login",
    ),
    path("konto/log-ud/", core_views.logout, name="logout"),
    path("konto/api-noegler/", core_views.api_tokens, name="api_tokens"),
    path(
        "konto/api-noegler/<int:token_id>/tilbagekald/",
        core_views.api_token_revoke,
        name="api_token_revoke",
    ),
    path("tilgaengelighed/", core_views.accessibility_statement, name="accessibility"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("organisation/", include("tillid.organisation.urls")),
    path("styring/", include("tillid.governance.urls")),
    path("tillidskompas/", include("tillid.compass.urls")),
    path("proevehandlinger/", include("tillid.trials.urls")),
    path("delegering/", include("tillid.delegation.urls")),
    path("overblik/", include("tillid.overview.urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]

if getattr(settings, "SAML_ENABLED", False):
    urlpatterns.append(path("saml2/", include("tillid.organisation.saml_urls")))

if getattr(settings, "OIDC_ENABLED", False):
    urlpatterns.append(path("oidc/", include("mozilla_django_oidc.urls")))

handler400 = "tillid.core.views.bad_request"
handler403 = "tillid.core.views.permission_denied"
handler404 = "tillid.core.views.page_not_found"
handler500 = "tillid.core.views.server_error"
