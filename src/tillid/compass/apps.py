from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from tillid.core.nav import NavEntry, UnitLink


class CompassConfig(AppConfig):
    name = "tillid.compass"
    label = "compass"
    verbose_name = _("Compass")
    demo_builder = "tillid.compass.demo.build_demo"
    provides = {
        "overview.indicators": "tillid.compass.indicators.indicators",
        "overview.followups": "tillid.compass.followup.followups",
        "organisation.front_page_panels": "tillid.compass.front_page.panels",
    }
    nav_entry = NavEntry(
        url_name="compass:index",
        label=_("Trust compass"),
        order=30,
        prefix="/tillidskompas/",
        description=_(
            "Measure trust across the organisation anonymously, read the results and "
            "turn them into dialogue and action."
        ),
        perm="view_survey_results",
    )
    unit_links = (
        UnitLink(
            url_name="compass:dialogue",
            label=_("Trust compass: dialogue meetings and actions"),
            perm="view_survey_results",
        ),
    )
