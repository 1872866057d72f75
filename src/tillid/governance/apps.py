from django.apps import AppConfig
from django.db.models.signals import post_migrate
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
    provides = {
        "trials.governance_choices": "tillid.governance.selectors.governance_choices",
        "trials.items_in_order": "tillid.governance.selectors.items_in_order",
        "overview.indicators": "tillid.governance.indicators.indicators",
        "overview.followups": "tillid.governance.followup.followups",
        "overview.decisions": "tillid.governance.published.decisions",
        "trials.exemption_figures": "tillid.governance.published.exemption_figures",
        "organisation.front_page_panels": "tillid.governance.front_page.panels",
        "effects.treatments": "tillid.governance.effects.treatments",
        "effects.treatment_kinds": "tillid.governance.effects.treatment_kinds",
        "effects.outcomes": "tillid.governance.effects.outcomes",
        "effects.outcome_values": "tillid.governance.effects.outcome_values",
    }
    unit_links = (
        UnitLink(
            url_name="governance:unit",
            label=_("Governance and burden: where does our time go?"),
            perm="view_governance",
        ),
    )

    def ready(self) -> None:
        # `migrate` makes the burden stamp; `flush` (the demo's --reset, tests)
        # empties it and then sends post_migrate, so it is made again here.
        post_migrate.connect(_ensure_burden_stamp, sender=self)


def _ensure_burden_stamp(sender, using: str = "default", **kwargs) -> None:
    # Imported when called: an AppConfig module is loaded before the models are.
    from tillid.governance.services import ensure_burden_stamp

    ensure_burden_stamp(using=using)
