"""SAML endpoints under /saml2/ (djangosaml2's views, with Tillid's assertion consumer).

/saml2/metadata/   Tillid's SP metadata, to register at the identity provider
/saml2/login/      starts a login (?next=/path/)
/saml2/acs/        assertion consumer service (HTTP-POST)
/saml2/logout/     starts a single logout
/saml2/ls/         single logout service (HTTP-Redirect; /saml2/ls/post/ for HTTP-POST)
"""

from django.urls import path
from djangosaml2 import views

from tillid.organisation.saml import AssertionConsumerService

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="saml2_login"),
    path("acs/", AssertionConsumerService.as_view(), name="saml2_acs"),
    path("logout/", views.LogoutInitView.as_view(), name="saml2_logout"),
    path("ls/", views.LogoutView.as_view(), name="saml2_ls"),
    path("ls/post/", views.LogoutView.as_view(), name="saml2_ls_post"),
    path("metadata/", views.MetadataView.as_view(), name="saml2_metadata"),
]
