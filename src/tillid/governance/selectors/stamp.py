"""The whole register's burden inputs, reused while the burden stamp is unchanged.

Database triggers renew `models.BurdenStamp` on every write the inputs depend
on (items, activities, bound units, units, people); see `all_inputs`.
"""

import threading
from dataclasses import dataclass

from django.db import connections

from tillid.governance.models import BurdenStamp, Item
from tillid.governance.selectors.engine import BurdenInputs, burden_inputs
from tillid.organisation.selectors import unit_tree

# --- the whole register's inputs, reused while nothing behind them changed ------

# Read with every item: what the onion and the register filter and sort on
# without another query (all are columns of the item, so the stamp covers them).
ALL_EXTRA = ("layer", "kind", "status", "kle_id", "introduced_on", "ended_on")


@dataclass(frozen=True)
class _Reused:
    stamp: str
    inputs: BurdenInputs


_reused: _Reused | None = None
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
    inputs = burden_inputs(Item.objects.all(), unit_tree(), extra=ALL_EXTRA)
    if stamp is not None:
        with _reused_lock:
            _reused = _Reused(stamp, inputs)
    return inputs


def forget_inputs() -> None:
    """Drop the reused inputs of this process (tests; a changed hourly cost needs no call)."""
    global _reused
    with _reused_lock:
        _reused = None
