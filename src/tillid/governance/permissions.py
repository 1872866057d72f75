"""Governance questions put to `tillid.organisation.permissions` (nothing decided here).

An item is managed by whoever holds MANAGE_GOVERNANCE for every unit it binds.
"""

from tillid.governance.models import Item
from tillid.organisation.permissions import Perm, has_perm, has_perm_anywhere, scope_for


def can_manage_item(user, item: Item) -> bool:
    scope = scope_for(user, Perm.MANAGE_GOVERNANCE)
    if scope.everything:
        return True
    if scope.nothing:
        return False
    units = list(item.units.all())
    return bool(units) and all(scope.contains(u) for u in units)


def can_manage_units(user, units) -> bool:
    return bool(units) and all(has_perm(user, Perm.MANAGE_GOVERNANCE, u) for u in units)


def can_manage_any(user) -> bool:
    return has_perm_anywhere(user, Perm.MANAGE_GOVERNANCE)
