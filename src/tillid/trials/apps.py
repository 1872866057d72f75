from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from tillid.core.nav import NavEntry, UnitLink


class TrialsConfig(AppConfig):
    name = "tillid.trials"
    label = "trials"
    verbose_name = _("Trials")
    nav_entry = NavEntry(
        url_name="trials:board",
        label=_("Trial actions"),
        order=40,
        prefix="/proevehandlinger/",
        description=_("Small experiments from idea to evaluation, and the spread of what works."),
        perm="view_trials",
    )
    demo_builder = "tillid.trials.demo.build_demo"
    provides = {
        "governance.exemptions_for_item": "tillid.trials.selectors.exemptions_for_item",
        "delegation.trust_tests_for": "tillid.trials.selectors.trust_tests_for",
        "delegation.anonymise_trust_tests": "tillid.trials.services.anonymise_trust_tests",
        "delegation.demo_trust_test": "tillid.trials.demo.demo_trust_test",
        "overview.indicators": "tillid.trials.indicators.indicators",
        "overview.followups": "tillid.trials.followup.followups",
        "overview.decisions": "tillid.trials.published.decisions",
        "effects.treatments": "tillid.trials.effects.treatments",
        "effects.outcomes": "tillid.trials.effects.outcomes",
        "effects.outcome_values": "tillid.trials.effects.outcome_values",
    }
    unit_links = (
        UnitLink(
            url_name="trials:list",
            label=_("Trial actions in the unit"),
            perm="view_trials",
            query_param="unit",
        ),
    )
