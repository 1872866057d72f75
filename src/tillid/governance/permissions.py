"""Governance questions put to `tillid.organisation.permissions`.

An item is managed by whoever holds MANAGE_GOVERNANCE for every unit it binds;
it is assessed by the active employees of the units it binds.
"""

from tillid.governance.models import Item, ItemStatus
from tillid.organisation.models import Person, Unit
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


def may_assess(item: Item, person: Person | None) -> bool:
    """Only active employees of the units the item binds (or below them) assess it."""
    if person is None or not person.is_active or item.status == ItemStatus.REMOVED:
        return False
    paths = list(item.units.values_list("path", flat=True))
    return any(person.unit.path.startswith(p) for p in paths)


def can_assess(user, item: Item, person: Person | None) -> bool:
    """The user is `person`, holds ASSESS_GOVERNANCE for their unit, and the item binds them."""
    return (
        person is not None
        and has_perm(user, Perm.ASSESS_GOVERNANCE, person.unit)
        and may_assess(item, person)
    )


def may_add_to_dialogue_log(user, review, person: Person | None) -> bool:
    """The facilitator (who manages the item), or someone invited to the open review who
    holds CONTRIBUTE_TO_REVIEWS (MED/TR, politicians)."""
    if not review.is_open:
        return False
    if can_manage_item(user, review.item):
        return True
    return (
        person is not None
        and has_perm_anywhere(user, Perm.CONTRIBUTE_TO_REVIEWS)
        and review.participants.filter(person=person).exists()
    )


def may_handle_queue(user) -> bool:
    return has_perm_anywhere(user, Perm.HANDLE_RED_TAPE)


def may_read_queue(user) -> bool:
    """Politicians and top management read the whole Meningssamling queue (not handle it).

    READ_RED_TAPE must reach the top unit: a leader of a team does not read the
    queue of the reports from their own people; the top unit's leader does.
    """
    if may_handle_queue(user):
        return True
    top = Unit.objects.filter(parent__isnull=True, is_active=True).order_by("path").first()
    return top is not None and has_perm(user, Perm.READ_RED_TAPE, top)
