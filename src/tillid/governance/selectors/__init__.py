"""Reads of the governance register: burden totals, assessments, balance, signals.

Burden is derived by `tillid.governance.burden.burden` from the activity
parameters and the organisation's current headcount; the functions here only
gather the inputs in a few grouped queries (no query per item or per unit).
The inputs of the whole register are reused between requests while the
burden stamp (`models.BurdenStamp`, renewed by database triggers on every
write they depend on) is unchanged; see `all_inputs`.

An item binds the units it names and everything below them. People bound by
an item are counted once even when it names both a unit and a unit below it.
An override of the people bound is spread over the bound units in proportion
to their headcount when totals per unit are made.

One module per topic: `in_force` (the one definition of in force and of
freed time), `engine` (the burden inputs), `stamp` (their reuse per
burden stamp), `onion` (per unit, layer and kind), `register` (the list),
`meaning`, `reviews` (and history), `balance`, `red_tape`, `mushrooming`, and
`item_page` (an item's page as one object, for the page and the API).
Everything is re-exported here, so callers say `selectors.register(...)`.
"""

# ruff: noqa: F401  (re-exports)

from tillid.governance.selectors.balance import Balance, balance, baseline
from tillid.governance.selectors.engine import (
    READ_ALL_ABOVE,
    ZERO,
    BurdenInputs,
    ItemFigures,
    _bundle,
    _stream,
    _unit_ids_of,
    active_items,
    burden_inputs,
    hourly_cost,
    item_burden,
    item_figures,
    sum_burdens,
)
from tillid.governance.selectors.in_force import (
    DECISION_FIELDS,
    freed_minutes,
    freed_minutes_by_item,
    in_force_ids,
    in_force_items,
    in_force_q,
    in_force_since,
    is_in_force,
    item_in_force,
)
from tillid.governance.selectors.item_page import ItemPage, item_page
from tillid.governance.selectors.meaning import (
    QUESTIONS,
    Meaning,
    answered_items,
    assessment_comments,
    assessment_figures,
    assessment_key_exists,
    classify,
    comments,
    meaning,
    meaning_for,
    open_report_counts,
    own_assessment,
    ranking,
    respondent_key,
)
from tillid.governance.selectors.mushrooming import (
    added_since_last_review,
    decision_counts,
    deep_control_chains,
    growth_by_layer,
    likely_duplicates,
)
from tillid.governance.selectors.onion import UnitItemRow, onion, totals_by, unit_items, unit_totals
from tillid.governance.selectors.red_tape import report_by_code_hash, report_queue, reports_of
from tillid.governance.selectors.register import (
    RegisterResult,
    all_items_for_choice,
    control_chain,
    current_activities,
    governance_choices,
    items_in_order,
    register,
    retired_activities,
)
from tillid.governance.selectors.reviews import (
    HIGHER_LAYERS,
    INVITABLE_ROLES,
    ROLE_GROUP_OF_ROLE,
    history,
    involvement,
    item_history,
    missing_groups,
    needs_escalation,
    participation_of,
    reviews,
    reviews_for_person,
    role_group_people,
)
from tillid.governance.selectors.stamp import (
    ALL_EXTRA,
    all_inputs,
    burden_stamp,
    current_tree,
    forget_inputs,
)
from tillid.organisation.selectors import Tree, person_by_reference, unit_tree
