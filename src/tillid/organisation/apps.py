from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from tillid.core.nav import NavEntry


class OrganisationConfig(AppConfig):
    name = "tillid.organisation"
    label = "organisation"
    verbose_name = _("Organisation")
    nav_entry = NavEntry(
        url_name="organisation:tree",
        label=_("Organisation"),
        order=10,
        prefix="/organisation/",
        description=_("Browse the units of the municipality, their leaders and headcount."),
        perm="view_organisation",
    )
