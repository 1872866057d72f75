"""Tillid's URLs with the SAML endpoints, as settings.py gives them when SAML is on."""

from django.urls import include, path

from tillid.urls import handler400, handler403, handler404, handler500  # noqa: F401
from tillid.urls import urlpatterns as tillid_urlpatterns

urlpatterns = [*tillid_urlpatterns, path("saml2/", include("tillid.organisation.saml_urls"))]
