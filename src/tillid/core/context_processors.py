from django.conf import settings
from django.urls import reverse

from tillid.core.nav import nav_items


def site(request):
    return {
        "municipality_name": settings.TILLID_MUNICIPALITY_NAME,
        "accessibility_statement_url": settings.TILLID_ACCESSIBILITY_STATEMENT_URL
        or reverse("accessibility"),
        "oidc_enabled": getattr(settings, "OIDC_ENABLED", False),
        "saml_enabled": getattr(settings, "SAML_ENABLED", False),
        "nav_items": nav_items(request) if getattr(request, "user", None) else [],
    }
