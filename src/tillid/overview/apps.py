from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from tillid.core.nav import NavEntry


class OverviewConfig(AppConfig):
    """The overview of frisættelse (DESIGN.md module 6): it gathers what the
    modules offer through contracts and imports none of them."""

    name = "tillid.overview"
    label = "overview"
    verbose_name = _("Overview")
    nav_entry = NavEntry(
        url_name="overview:overview",
        label=_("Overview"),
        order=60,
        prefix="/overblik/",
        description=_(
            "How frisættelse is going on the five tracks, what is late, and the council report."
        ),
        perm="view_overview",
    )
    provides: dict[str, str] = {
        "organisation.front_page_panels": "tillid.overview.panels.front_page_panels",
    }
