"""Apps offer functions to each other through their AppConfig, by contract name."""

import pytest
from django.apps import apps

from tillid.core import contracts


@pytest.fixture
def offered(monkeypatch):
    """Make the core app, and no other, offer the overview contract for one test."""
    config = apps.get_app_config("core")
    for other in apps.get_app_configs():
        if getattr(other, "provides", None):
            monkeypatch.setattr(other, "provides", {}, raising=False)

    def offer(path: str) -> None:
        monkeypatch.setattr(config, "provides", {"overview.indicators": path}, raising=False)
        contracts.clear_cache()

    yield offer
    contracts.clear_cache()


def test_an_unknown_contract_is_an_error():
    with pytest.raises(LookupError, match="CONTRACTS"):
        contracts.providers("no.such.contract")


def test_an_offered_function_is_called_with_keywords(offered):
    offered("builtins.dict")
    assert contracts.call("overview.indicators", scope=1, period=2) == {"scope": 1, "period": 2}
    assert contracts.collect("overview.indicators", scope=1, period=2)[0] == (
        "core",
        {"scope": 1, "period": 2},
    )


def test_a_contract_nobody_offers_returns_the_default(offered):
    offered("")
    assert contracts.call("overview.indicators", default="none", scope=1, period=2) == "none"
    assert contracts.collect("overview.indicators", scope=1, period=2) == []


# Contracts every module may offer, collected with contracts.collect.
MANY_PROVIDERS = {"organisation.front_page_panels", "effects.outcomes", "effects.treatments"}


def test_every_offered_contract_is_listed_and_its_function_exists():
    offered = {
        (config.label, name, path)
        for config in apps.get_app_configs()
        for name, path in getattr(config, "provides", {}).items()
    }
    assert {name for _label, name, _path in offered} >= {
        "governance.exemptions_for_item",
        "trials.governance_choices",
        "trials.items_in_order",
        "trials.log_trust_test_read",
        "delegation.trust_tests_for",
        "delegation.anonymise_trust_tests",
        "delegation.demo_trust_test",
    }
    for label, name, _path in offered:
        assert name in contracts.CONTRACTS, f"{label} offers {name}, which CONTRACTS does not list"
        if name.startswith("overview.") or name in MANY_PROVIDERS:
            # Every module may offer these; the consumer collects them all.
            assert all(callable(function) for _app, function in contracts.providers(name))
        else:
            # Offered by exactly one app, and it imports.
            assert callable(contracts.provider(name))
