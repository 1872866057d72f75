from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from tillid.core.nav import NavEntry


class DelegationConfig(AppConfig):
    name = "tillid.delegation"
    label = "delegation"
    verbose_name = _("Delegation")
    nav_entry = NavEntry(
        url_name="delegation:home",
        label=_("Trust dosing"),
        order=50,
        prefix="/delegering/",
        description=_(
            "Dose trust by competence, intention and resources against the task's risk; "
            "record trust tests, breaches and their repair."
        ),
        perm=("manage_delegation", "view_delegation_records"),
    )
    demo_builder = "tillid.delegation.demo.build_demo"
    provides = {
        "trials.log_trust_test_read": "tillid.delegation.services.log_trust_test_read",
        "overview.indicators": "tillid.delegation.indicators.indicators",
        "overview.followups": "tillid.delegation.indicators.followups",
        "effects.outcomes": "tillid.delegation.effects.outcomes",
        "effects.outcome_values": "tillid.delegation.effects.outcome_values",
    }
