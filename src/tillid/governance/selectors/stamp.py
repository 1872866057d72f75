"""The whole register's burden inputs, reused while the burden stamp is unchanged.

Database triggers renew `models.BurdenStamp` on every write the inputs depend
on (items, activities, bound units, units, people); see `all_inputs`.
"""

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from django.db import connections

from tillid.governance.models import BurdenStamp, Item
from tillid.governance.selectors.engine import BurdenInputs, burden_inputs
from tillid.organisation.selectors import Tree, unit_tree

# --- the whole register's inputs, reused while nothing behind them changed ------

# Read with every item: what the onion and the register filter and sort on
# without another query (all are columns of the item, so the stamp covers them).
T = TypeVar("T")

ALL_EXTRA = ("layer", "kind", "status", "kle_id", "introduced_on", "ended_on")


@dataclass(frozen=True)
class _Reused:
    stamp: str
    inputs: BurdenInputs


@dataclass(frozen=True)
class _ReusedTree:
    stamp: str
    tree: Tree


_reused: _Reused | None = None
_reused_tree: _ReusedTree | None = None
_reused_lock = threading.Lock()


def burden_stamp() -> str | None:
    """The current burden stamp, or None where the database keeps none (no triggers)."""
    if connections[Item.objects.db].vendor not in ("postgresql", "sqlite"):
        return None
    return BurdenStamp.objects.filter(pk=1).values_list("token", flat=True).first()


def all_inputs() -> BurdenInputs:
    """Burden inputs of every item (with ALL_EXTRA), computed once per burden stamp.

    One query when nothing changed since the last call in this process.
    Otherwise they are computed afresh and kept under the stamp read *before*
    computing: a write committed meanwhile renews the stamp, so inputs that
    may predate it are never matched again. Inputs computed inside a
    transaction that is later rolled back are kept under a token nobody else
    ever sees (tokens are random).
    """
    global _reused
    stamp = burden_stamp()
    reused = _reused
    if stamp is not None and reused is not None and reused.stamp == stamp:
        return reused.inputs
    inputs = burden_inputs(Item.objects.all(), current_tree(), extra=ALL_EXTRA)
    if stamp is not None:
        with _reused_lock:
            _reused = _Reused(stamp, inputs)
    return inputs


def current_tree() -> Tree:
    """The unit tree with headcounts (organisation's `unit_tree`), reused while the
    burden stamp is unchanged: the triggers renew it on every write to units and
    people, so a page no longer counts 45,000 people to draw one unit."""
    global _reused_tree
    stamp = burden_stamp()
    reused = _reused_tree
    if stamp is not None and reused is not None and reused.stamp == stamp:
        return reused.tree
    tree = unit_tree()
    if stamp is not None:
        with _reused_lock:
            _reused_tree = _ReusedTree(stamp, tree)
    return tree


_reused_values: dict[str, tuple[str, object]] = {}


def per_stamp(name: str, compute: "Callable[[], T]") -> "T":
    """`compute()`, reused in this process while the burden stamp is unchanged
    (`name` must say everything else the value depends on, such as the day)."""
    stamp = burden_stamp()  # read before computing, as in all_inputs
    hit = _reused_values.get(name)
    if stamp is not None and hit is not None and hit[0] == stamp:
        return hit[1]  # type: ignore[return-value]
    value = compute()
    if stamp is not None:
        with _reused_lock:
            _reused_values[name] = (stamp, value)
    return value


def forget_inputs() -> None:
    """Drop the reused inputs of this process (tests; a changed hourly cost needs no call)."""
    global _reused, _reused_tree
    with _reused_lock:
        _reused = None
        _reused_tree = None
        _reused_values.clear()
