"""Co-created reviews, their participants, and the history of items and activities."""

from typing import Any

from django.db.models import Q, QuerySet

from tillid.governance.models import (
    OPEN_REVIEW_STATUSES,
    Activity,
    Item,
    Layer,
    Participant,
    Review,
    RoleGroup,
)
from tillid.organisation.models import Person, Role, RoleGrant, Unit

# --- reviews -------------------------------------------------------------------


def reviews(*, status: str = "", item: Item | None = None) -> QuerySet[Review]:
    qs = Review.objects.select_related("item")
    if status == "open":
        qs = qs.filter(status__in=OPEN_REVIEW_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    if item is not None:
        qs = qs.filter(item=item)
    return qs


def involvement(review: Review) -> list[dict]:
    """Per role group: stake, involved or not, early or late."""
    first: dict[str, Any] = {}
    for participant in review.participants.all():
        first.setdefault(participant.role_group, participant)
    rows = []
    for key, label in RoleGroup.choices:
        p = first.get(key)
        rows.append(
            {
                "key": key,
                "label": label,
                "stake": key in review.stake_groups,
                "involved": p is not None,
                "early": p is not None and p.is_early,
                "joined_on": getattr(p, "joined_on", None),
                "count": sum(1 for q in review.participants.all() if q.role_group == key),
            }
        )
    return rows


def reviews_for_person(person: Person) -> QuerySet[Review]:
    """Open reviews the person has been invited to."""
    return (
        Review.objects.filter(participants__person=person, status__in=OPEN_REVIEW_STATUSES)
        .select_related("item")
        .distinct()
        .order_by("-created_at", "-pk")
    )


def missing_groups(review: Review) -> list[str]:
    present = {p.role_group for p in review.participants.all()}
    labels = dict(RoleGroup.choices)
    return [str(labels[g]) for g in review.stake_groups if g not in present and g in labels]


def _changed_fields(record, previous) -> list[str]:
    """Names of the model's own fields that `record` changed since `previous`."""
    if previous is None or record.history_type != "~":
        return []
    own = {f.name for f in record.instance_type._meta.get_fields()}
    return [c.field for c in record.diff_against(previous).changes if c.field in own]


def _labels(model, names: list[str]) -> list[str]:
    return [str(model._meta.get_field(name).verbose_name) for name in names]


def history(obj, limit: int = 50) -> list[dict]:
    """Who changed what and when, from django-simple-history."""
    records = list(
        obj.history.select_related("history_user").order_by("-history_date", "-pk")[: limit + 1]
    )
    rows = []
    for i, record in enumerate(records[:limit]):
        previous = records[i + 1] if i + 1 < len(records) else None
        rows.append(
            {
                "date": record.history_date,
                "user": record.history_user,
                "type": record.history_type,
                "changed": _labels(type(obj), _changed_fields(record, previous)),
            }
        )
    return rows


def item_history(item: Item, limit: int = 50) -> list[dict]:
    """The item's history with its activities' changes woven in, newest first.

    Activity rows carry `activity` (its name) and, when a review decision
    replaced it, `replaced`.
    """
    rows = history(item, limit)
    records = (
        Activity.history.filter(item_id=item.pk)
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    previous = None
    for record in records:
        if previous is not None and previous.id != record.id:
            previous = None  # the first record of the next activity
        names = _changed_fields(record, previous)
        rows.append(
            {
                "date": record.history_date,
                "user": record.history_user,
                "type": record.history_type,
                "changed": _labels(Activity, names),
                "activity": record.name,
                "replaced": "retired_on" in names and record.retired_on is not None,
            }
        )
        previous = record
    rows.sort(key=lambda row: row["date"], reverse=True)
    return rows[:limit]


# Only a higher layer can remove what comes from the state (or is mandated by law).
HIGHER_LAYERS = (Layer.STATE,)


def needs_escalation(item: Item) -> bool:
    """Only a higher layer can remove governance from the state or mandated by law."""
    return item.layer in HIGHER_LAYERS or item.mandated_by_law


# --- co-created reviews: whole role groups, and what invited people see -----------

# Which organisation role speaks for which of the review's role groups.
ROLE_GROUP_OF_ROLE = {
    Role.MED_TR: RoleGroup.MED_TR,
    Role.POLITICIAN: RoleGroup.POLITICIANS,
    Role.LEADER: RoleGroup.PROFESSIONAL_LEADERS,
    Role.CONSULTANT: RoleGroup.ADMINISTRATION,
}
# The groups a facilitator invites as a whole from the role grants.
INVITABLE_ROLES = (Role.MED_TR, Role.POLITICIAN)


def role_group_people(*, role: str, unit: Unit | None) -> list[Person]:
    """The active people holding `role` by a grant for `unit`'s subtree (or anywhere).

    A grant for the whole organisation counts for every unit. A grant to a login
    counts through the person linked to it; a login with no person is left out
    (it has no front page in the organisation and no address to notify).
    """
    grants = RoleGrant.objects.filter(role=role)
    if unit is not None:
        grants = grants.filter(Q(unit__isnull=True) | Q(unit__path__startswith=unit.path))
    person_ids = set(grants.exclude(person__isnull=True).values_list("person_id", flat=True))
    user_ids = grants.exclude(user__isnull=True).values_list("user_id", flat=True)
    people = Person.objects.filter(
        Q(pk__in=person_ids) | Q(user_id__in=user_ids), is_active=True, unit__is_active=True
    )
    return list(people.select_related("unit").order_by("name", "pk"))


def participation_of(review: Review, person: Person | None) -> Participant | None:
    if person is None:
        return None
    return review.participants.filter(person=person).first()
