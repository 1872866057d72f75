from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from tillid.core.nav import NavEntry, UnitLink


class GovernanceConfig(AppConfig):
    name = "tillid.governance"
    label = "governance"
    verbose_name = _("Governance")
    nav_entry = NavEntry(
        url_name="governance:register",
        label=_("Governance"),
        order=20,
        prefix="/styring/",
        description=_(
            "The governance register: what binds the work, what it costs in hours, "
            "whether it makes sense, and what to remove, change, keep or anchor."
        ),
        perm="view_governance",
    )
    demo_builder = "tillid.governance.demo.build_demo"
    unit_links = (
        UnitLink(
            url_name="governance:unit",
            label=_("Governance and burden: where does our time go?"),
            perm="view_governance",
        ),
    )
