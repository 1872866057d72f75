"""Writes to the organisation. Each function is one transaction."""

from django.contrib.auth import get_user_model
from django.db import transaction

from tillid.organisation.models import Person, Role, RoleGrant, Unit


def compute_paths(parents: dict[int, int | None]) -> dict[int, tuple[str, int]]:
    """Path and depth for every unit id, from a map of unit id to parent id.

    Raises ValueError on a cycle, which validation should have caught.
    """
    result: dict[int, tuple[str, int]] = {}

    def resolve(unit_id: int, seen: tuple[int, ...] = ()) -> tuple[str, int]:
        if unit_id in result:
            return result[unit_id]
        if unit_id in seen:
            raise ValueError(f"cycle in the unit tree at unit {unit_id}")
        parent_id = parents.get(unit_id)
        if parent_id is None or parent_id not in parents:
            value = (f"/{unit_id}/", 0)
        else:
            parent_path, parent_depth = resolve(parent_id, (*seen, unit_id))
            value = (f"{parent_path}{unit_id}/", parent_depth + 1)
        result[unit_id] = value
        return value

    for unit_id in parents:
        resolve(unit_id)
    return result


def rebuild_paths() -> int:
    """Recompute every unit's path and depth; returns how many changed."""
    rows = list(Unit.objects.values_list("id", "parent_id", "path", "depth"))
    computed = compute_paths({uid: parent for uid, parent, _p, _d in rows})
    changed = []
    for uid, _parent, path, depth in rows:
        new_path, new_depth = computed[uid]
        if (path, depth) != (new_path, new_depth):
            changed.append(Unit(pk=uid, path=new_path, depth=new_depth))
    Unit.objects.bulk_update(changed, ["path", "depth"], batch_size=1000)
    return len(changed)


@transaction.atomic
def create_unit(*, external_id: str, name: str, kind: str, parent: Unit | None = None) -> Unit:
    unit = Unit.objects.create(external_id=external_id, name=name, kind=kind, parent=parent)
    unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    unit.depth = parent.depth + 1 if parent else 0
    Unit.objects.filter(pk=unit.pk).update(path=unit.path, depth=unit.depth)
    return unit


@transaction.atomic
def link_user_to_person(*, user) -> Person | None:
    """Link a user to the active person with the same e-mail, if exactly one."""
    if not user.email:
        return None
    existing = Person.objects.filter(user=user).first()
    if existing is not None:
        return existing
    matches = list(
        Person.objects.filter(email__iexact=user.email, is_active=True, user__isnull=True)[:2]
    )
    if len(matches) != 1:
        return None
    person = matches[0]
    person.user = user
    person.save(update_fields=["user", "updated_at"])
    return person


@transaction.atomic
def grant_role(*, user, role: str, unit: Unit | None, granted_by=None) -> RoleGrant:
    if role not in Role.values:
        raise ValueError(f"unknown role {role!r}")
    grant, _created = RoleGrant.objects.get_or_create(
        user=user, role=role, unit=unit, defaults={"granted_by": granted_by}
    )
    return grant


@transaction.atomic
def revoke_role(*, grant_id: int) -> bool:
    deleted, _ = RoleGrant.objects.filter(pk=grant_id).delete()
    return bool(deleted)


@transaction.atomic
def create_user_for_person(*, person: Person, username: str, password: str | None = None):
    """A local login for a person (demo and small sites without SSO)."""
    User = get_user_model()
    first, _sep, last = person.name.partition(" ")
    user = User.objects.create_user(
        username=username,
        email=person.email,
        password=password,
        first_name=first[:150],
        last_name=last[:150],
    )
    person.user = user
    person.save(update_fields=["user", "updated_at"])
    return user
