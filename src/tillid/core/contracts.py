"""Contracts between apps: what one module offers others, without being imported.

Apps depend on `organisation` and `core` only. When a module needs something
from a sibling (the trials that suspend a governance item, a module's
indicators for the overview), the sibling names a function in its AppConfig:

    class TrialsConfig(AppConfig):
        provides = {
            "governance.exemptions_for_item": "tillid.trials.selectors.exemptions_for_item",
        }

and the consumer asks core for it by contract name:

    from tillid.core import contracts
    exemptions = contracts.call("governance.exemptions_for_item", item_id=item.pk, default=[])

Every contract is listed in CONTRACTS with what it takes and returns, so a
reader finds the whole surface between apps in one place. A module that is
not installed simply offers nothing; the consumer says what to do then.
"""

from collections.abc import Callable
from functools import cache
from typing import Any

from django.apps import apps
from django.utils.module_loading import import_string

# name -> what the function takes and returns (keyword arguments only).
CONTRACTS: dict[str, str] = {
    # Named "<consumer>.<what>": the app that asks comes first.
    "governance.exemptions_for_item": (
        "(*, item_id: int) -> list: the trial actions that suspend or change the item "
        "(offered by trials, shown on the item's page)."
    ),
    "trials.governance_choices": (
        "(*, active_only: bool = True) -> list[tuple[int, str]]: governance items a trial "
        "may suspend or change (offered by governance)."
    ),
    "trials.items_in_order": (
        "(*, ids: list[int]) -> list: governance items by id in the given order "
        "(offered by governance)."
    ),
    "trials.log_trust_test_read": (
        "(*, trial, reader) -> None: a trust test about a person was shown to `reader`; "
        "log it with the person's other reads (offered by delegation)."
    ),
    "delegation.trust_tests_for": (
        "(*, person=None, unit=None) -> QuerySet: the trust tests about a person or a "
        "team, oldest first, anonymised ones included (offered by trials)."
    ),
    "delegation.anonymise_trust_tests": (
        "(*, created_before) -> int: anonymise trust tests older than the cut-off "
        "(offered by trials, called by delegation's retention)."
    ),
    "delegation.demo_trust_test": (
        "(*, by, task, step_from, step_to, risk, risk_note='', subject_person=None, "
        "subject_unit=None, start_date=None, end_date=None, outcome='', outcome_note='', "
        "happened_at=None) -> object: a trust test for the demo, with its outcome and "
        "dated `happened_at` (offered by trials' demo)."
    ),
    "trials.exemption_figures": (
        "(*, items_by_unit: dict[int, list[int]]) -> dict[int, dict[int, dict]]: per unit and "
        "governance item, the item's layer (a label) and what it costs a year the people it "
        "binds in the unit's subtree, as {'layer', 'hours', 'dkk'} (offered by governance, for "
        "the published list of the exemptions trials grant)."
    ),
    "organisation.front_page_panels": (
        "(*, user, person) -> list[nav.FrontPanel]: boxes on the user's front page: what "
        "they are asked to do or owe an answer to (every module may offer it; `person` is "
        "the user's person in the organisation or None)."
    ),
    "overview.indicators": (
        "(*, scope: indicators.Scope, period: indicators.Period) -> list[indicators.Indicator]: "
        "a module's indicators for the overview of frisættelse (every module may offer it; "
        "the overview collects them all)."
    ),
    "overview.followups": (
        "(*, scope: indicators.Scope | None, owner_id: int | None, today: date) -> "
        "list[indicators.FollowUp]: what the module has raised that is owed an answer, "
        "for one owner's front page or a scope's overview (every module may offer it)."
    ),
    "overview.decisions": (
        "(*, scope: indicators.Scope, period: indicators.Period) -> "
        "list[indicators.PublishedDecision]: decisions for the published list "
        "(governance's four-F decisions, trials' exemptions)."
    ),
    "effects.treatments": (
        "(*, decision_id: int | None = None, trial_id: int | None = None, group: dict | None = "
        "None) -> dict | None: what a four-F decision (offered by governance; `group` = "
        "{'decision': code, 'area_id': unit id or None, 'year': int or None} for a group of "
        "them) or a trial (offered by trials; `group` = {'trials': True} for every trial) touched: {'kind', 'id', 'title', 'label', "
        "'url', 'units': [(unit_id, start date, label)], 'items': [ids of the provider's items "
        "touched], 'notes': [(heading, text)]}; None "
        "when the id is not the provider's (the overview's effect pages)."
    ),
    "effects.treatment_kinds": (
        "(*) -> list[tuple[str, str]]: the kinds of decision a group effect may be asked for, "
        "as (code, label) (offered by governance)."
    ),
    "effects.outcomes": (
        "(*) -> list[tuple[str, str]]: the outcomes a module can measure per unit and "
        "period, as (code, label); codes start with the module's label and a colon "
        "(offered by compass, governance, trials and delegation)."
    ),
    "effects.outcome_values": (
        "(*, outcome: str, unit_ids: list[int], treatment: dict | None = None) -> dict | None: "
        "per unit and period the outcome's value (`treatment`: the dict effects.treatments "
        "returned, for outcomes that depend on what was touched; None in the inequality "
        "watch), {'periods': [(period, label, first date)], 'values': [{'unit', "
        "'period', 'value', 'respondents'}], 'left_out': units the anonymity engine hid in a "
        "period}; values already through tillid.core.anonymity; only periods whose figures "
        "can no longer change where a changing figure could single someone out; None for "
        "another module's outcome (offered by compass, governance, trials and delegation)."
    ),
}


def _check(name: str) -> None:
    if name not in CONTRACTS:
        raise LookupError(f"unknown contract {name!r}: list it in tillid.core.contracts.CONTRACTS")


@cache
def _providers(name: str) -> tuple[tuple[str, Callable[..., Any]], ...]:
    found = []
    for config in apps.get_app_configs():
        path = getattr(config, "provides", {}).get(name)
        if path:
            found.append((config.label, import_string(path)))
    return tuple(found)


def providers(name: str) -> list[tuple[str, Callable[..., Any]]]:
    """Every installed app's function for `name`, as (app label, function), in
    INSTALLED_APPS order."""
    _check(name)
    return list(_providers(name))


def provider(name: str) -> Callable[..., Any] | None:
    """The one function offered for `name`, or None when no installed app offers it."""
    found = providers(name)
    if len(found) > 1:
        raise LookupError(f"contract {name!r} is offered by {[label for label, _ in found]}")
    return found[0][1] if found else None


def call(name: str, /, *, default: Any = None, **kwargs: Any) -> Any:
    """Call the one provider of `name` with keyword arguments, or return `default`."""
    function = provider(name)
    return default if function is None else function(**kwargs)


def collect(name: str, /, **kwargs: Any) -> list[tuple[str, Any]]:
    """Call every provider of `name`; (app label, result) per app."""
    return [(label, function(**kwargs)) for label, function in providers(name)]


def clear_cache() -> None:
    """For tests that change an AppConfig's `provides`."""
    _providers.cache_clear()
