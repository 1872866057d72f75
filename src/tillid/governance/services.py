"""Writes to the governance register. Each function is one transaction.

Every rule is checked before anything is written; a broken rule raises
django's ValidationError with a Danish message (per field where it has one).
"""

import contextlib
import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tillid.core.anonymity import batch_release
from tillid.core.periods import add_months
from tillid.governance import selectors, tasks
from tillid.governance.burden import minutes_per_person
from tillid.governance.followup import may_handle_report
from tillid.governance.models import (
    OPEN_REVIEW_STATUSES,
    Activity,
    Assessment,
    BalanceBaseline,
    BurdenStamp,
    Decision,
    EscalationAnswer,
    EstimateBasis,
    FollowUpVerdict,
    Item,
    ItemStatus,
    Kind,
    Layer,
    MeaningRelease,
    Participant,
    RedTapeNote,
    RedTapeReport,
    ReportStatus,
    Review,
    ReviewNote,
    ReviewStatus,
    RoleGroup,
    SecuredValue,
)
from tillid.governance.permissions import may_assess
from tillid.organisation.models import Person, Role, Unit

# Layers whose governance the municipality cannot remove on its own.


@dataclass
class ItemInput:
    title: str
    kind: str
    layer: str
    introduced_on: date
    units: list[Unit]
    description: str = ""
    is_hard: bool = True
    is_formal: bool = True
    legal_basis: str = ""
    mandated_by_law: bool = False
    owner: str = ""
    risks: str = ""
    values: list[str] = field(default_factory=list)
    controls: Item | None = None
    minutes_per_occurrence: Decimal = Decimal(0)
    occurrences_per_year: Decimal = Decimal(0)
    basis: str = EstimateBasis.ESTIMATE
    people_override: int | None = None
    compensated_by: Item | None = None
    no_compensation_reason: str = ""
    reference: str = ""
    kle_id: int | None = None  # the KLE task area (organisation.KLENumber)


ITEM_FIELDS = (
    "title",
    "kind",
    "layer",
    "introduced_on",
    "description",
    "is_hard",
    "is_formal",
    "legal_basis",
    "mandated_by_law",
    "owner",
    "risks",
    "values",
    "controls",
    "minutes_per_occurrence",
    "occurrences_per_year",
    "basis",
    "people_override",
    "compensated_by",
    "no_compensation_reason",
    "kle_id",
)


def _changed_by(obj, user) -> None:
    """Name the user in the history record the next save writes (django-simple-history)."""
    # simple-history reads this attribute when it writes the record.
    obj._history_user = user


def validate_item(data: ItemInput, item: Item | None = None) -> dict[str, list[str]]:
    """Every problem with the input, per field (empty when all is well)."""
    return _item_errors(data, item, compensated=data.compensated_by is not None)


def _item_errors(data: ItemInput, item: Item | None, *, compensated: bool) -> dict[str, list[str]]:
    """The rules of one item. `compensated`: whether a compensating item is named
    (in a batch it may be one that does not exist yet)."""
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if not data.title.strip():
        add("title", _("Give the item a title."))
    if data.kind not in Kind.values:
        add("kind", _("Choose a kind of governance."))
    if data.layer not in Layer.values:
        add("layer", _("Choose the layer the governance comes from."))
    if not data.units:
        add("units", _("Choose at least one unit that the governance binds."))
    unknown = [v for v in data.values if v not in SecuredValue.values]
    if unknown:
        add("values", _("Unknown values: %(values)s") % {"values": ", ".join(unknown)})
    if data.minutes_per_occurrence < 0:
        add("minutes_per_occurrence", _("Minutes cannot be negative."))
    if data.occurrences_per_year < 0:
        add("occurrences_per_year", _("The number of occurrences cannot be negative."))
    if data.introduced_on and data.introduced_on > timezone.localdate():
        add("introduced_on", _("The date introduced cannot be in the future."))
    if data.controls is not None and item is not None:
        current: Item | None = data.controls
        seen: set[int] = set()
        while current is not None and current.pk not in seen:
            if current.pk == item.pk:
                add(
                    "controls",
                    _("An item cannot control itself, not even through a chain of controls."),
                )
                break
            seen.add(current.pk)
            current = current.controls
    if data.compensated_by is not None and item is not None and data.compensated_by.pk == item.pk:
        add("compensated_by", _("An item cannot compensate for itself."))
    # Registering governance that existed before the baseline adds nothing.
    is_new_documentation = (
        data.kind == Kind.DOCUMENTATION
        and (item is None or item.kind != Kind.DOCUMENTATION)
        and data.introduced_on is not None
        and data.introduced_on >= selectors.baseline()
    )
    if is_new_documentation and not compensated and not data.no_compensation_reason.strip():
        add(
            "compensated_by",
            _(
                "A new documentation requirement must be balanced: choose the item "
                "whose removal compensates for it, or explain why nothing is removed."
            ),
        )
    return errors


def _next_reference() -> str:
    last = Item.objects.filter(reference__startswith="STY-").order_by("-pk").first()
    number = Item.objects.count() + 1
    if last is not None:
        with contextlib.suppress(ValueError):
            number = max(number, int(last.reference.removeprefix("STY-")) + 1)
    while Item.objects.filter(reference=f"STY-{number:05d}").exists():
        number += 1
    return f"STY-{number:05d}"


def _compensation_review(item: Item, user) -> None:
    """A compensating item still in force gets a review opened for its removal."""
    target = item.compensated_by
    if target is None or target.status == ItemStatus.REMOVED:
        return
    if Review.objects.filter(item=target, status__in=OPEN_REVIEW_STATUSES).exists():
        return
    review = Review(
        item=target,
        purpose=_("Opened to compensate for the new documentation requirement “%(title)s”.")
        % {"title": item.title},
        stake_groups=list(RoleGroup.values),
        opened_by=user,
    )
    _changed_by(review, user)
    review.save()


# --- batches of items (the register import) ------------------------------------------


@dataclass
class ItemRow:
    """One item of a batch. Links to other items go by reference, since they may
    be items of the same batch that do not exist yet; `data.controls` and
    `data.compensated_by` are not used."""

    data: ItemInput
    controls: str = ""
    compensated_by: str = ""


def validate_items(rows: list[ItemRow], stored: dict[str, Item]) -> dict[int, dict[str, list[str]]]:
    """Every problem with a batch of items, per row index and field, checked together.

    A row whose reference is stored updates that item. References to other
    items may name stored items or rows of the batch; chains of controls over
    the batch and the register must not loop.
    """
    errors: dict[int, dict[str, list[str]]] = {}

    def add(index: int, name: str, message: str) -> None:
        errors.setdefault(index, {}).setdefault(name, []).append(message)

    known = set(stored) | {row.data.reference for row in rows if row.data.reference}
    for index, row in enumerate(rows):
        for name in ("controls", "compensated_by"):
            ref = getattr(row, name)
            if ref and ref not in known:
                add(index, name, _("No item has the reference “%(ref)s”.") % {"ref": ref})
        item = stored.get(row.data.reference) if row.data.reference else None
        for name, messages in _item_errors(
            row.data, item, compensated=bool(row.compensated_by)
        ).items():
            for message in messages:
                add(index, name, message)
        if row.compensated_by and row.compensated_by == row.data.reference:
            add(index, "compensated_by", _("An item cannot compensate for itself."))
    # Control chains: the batch's links override the stored ones.
    links = {
        row.data.reference or f"#{index}": row.controls
        for index, row in enumerate(rows)
        if row.controls
    }
    for item in Item.objects.exclude(controls__isnull=True).select_related("controls"):
        if item.controls is not None:
            links.setdefault(item.reference, item.controls.reference)
    for index, row in enumerate(rows):
        start, seen = row.data.reference, set()
        current: str | None = row.controls
        while current and current not in seen:
            if current == start:
                add(
                    index,
                    "controls",
                    _("An item cannot control itself, not even through a chain of controls."),
                )
                break
            seen.add(current)
            current = links.get(current)
    return errors


def _item_from(item: Item, data: ItemInput) -> None:
    for name in ITEM_FIELDS:
        if name not in ("controls", "compensated_by"):
            setattr(item, name, getattr(data, name))


@transaction.atomic
def save_items(*, rows: list[ItemRow], stored: dict[str, Item], user) -> dict[str, Item]:
    """Create or update a batch of items and link them; returns the items by reference.

    Rows whose reference is stored update that item, the others are created.
    Items are written first and linked once all exist, so a row may control
    or be compensated by a later row. The whole batch is validated first.
    """
    problems = validate_items(rows, stored)
    if problems:
        raise ValidationError(
            [message for fields in problems.values() for ms in fields.values() for message in ms]
        )
    by_ref = dict(stored)
    written: list[tuple[Item, ItemRow]] = []
    for row in rows:
        item = stored.get(row.data.reference) if row.data.reference else None
        if item is None:
            item = Item(reference=row.data.reference or _next_reference(), created_by=user)
        _item_from(item, row.data)
        item.controls = by_ref.get(row.controls) if row.controls else None
        item.compensated_by = by_ref.get(row.compensated_by) if row.compensated_by else None
        _changed_by(item, user)
        item.save()
        item.units.set(row.data.units)
        by_ref[item.reference] = item
        written.append((item, row))
    # Links to rows created later in the batch.
    for item, row in written:
        controls = by_ref.get(row.controls) if row.controls else None
        compensated_by = by_ref.get(row.compensated_by) if row.compensated_by else None
        if item.controls_id != getattr(controls, "pk", None) or item.compensated_by_id != getattr(
            compensated_by, "pk", None
        ):
            item.controls, item.compensated_by = controls, compensated_by
            _changed_by(item, user)
            item.save(update_fields=["controls", "compensated_by"])
    return by_ref


@transaction.atomic
def create_item(*, data: ItemInput, user) -> Item:
    errors = validate_item(data)
    if data.reference and Item.objects.filter(reference=data.reference).exists():
        errors.setdefault("reference", []).append(_("The reference is already in use."))
    if errors:
        raise ValidationError(errors)
    item = Item(reference=data.reference or _next_reference(), created_by=user)
    for name in ITEM_FIELDS:
        setattr(item, name, getattr(data, name))
    _changed_by(item, user)
    item.save()
    item.units.set(data.units)
    _compensation_review(item, user)
    return item


@transaction.atomic
def update_item(*, item: Item, data: ItemInput, user) -> Item:
    errors = validate_item(data, item)
    if errors:
        raise ValidationError(errors)
    compensation_before = item.compensated_by_id
    for name in ITEM_FIELDS:
        setattr(item, name, getattr(data, name))
    if data.reference:
        item.reference = data.reference
    _changed_by(item, user)
    item.save()
    item.units.set(data.units)
    if item.compensated_by_id != compensation_before:
        _compensation_review(item, user)
    return item


@transaction.atomic
def add_activity(
    *,
    item: Item,
    name: str,
    minutes_per_occurrence: Decimal,
    occurrences_per_year: Decimal,
    performed_by: str = RoleGroup.EMPLOYEES,
    basis: str = EstimateBasis.ESTIMATE,
) -> Activity:
    errors = {}
    if not name.strip():
        errors["name"] = _("Name the activity.")
    if minutes_per_occurrence is None or minutes_per_occurrence < 0:
        errors["minutes_per_occurrence"] = _("Minutes cannot be negative.")
    if occurrences_per_year is None or occurrences_per_year < 0:
        errors["occurrences_per_year"] = _("The number of occurrences cannot be negative.")
    if performed_by not in RoleGroup.values:
        errors["performed_by"] = _("Choose who does the activity.")
    if basis not in EstimateBasis.values:
        errors["basis"] = _("Choose whether the figure is an estimate or measured.")
    if errors:
        raise ValidationError(errors)
    return Activity.objects.create(
        item=item,
        name=name.strip(),
        minutes_per_occurrence=minutes_per_occurrence,
        occurrences_per_year=occurrences_per_year,
        performed_by=performed_by,
        basis=basis,
    )


@transaction.atomic
def delete_activity(*, activity: Activity) -> None:
    if activity.retired_on is not None:
        raise ValidationError(_("A replaced activity is part of a decision and is kept."))
    activity.delete()


@dataclass(frozen=True)
class ActivityInput:
    name: str
    minutes_per_occurrence: Decimal
    occurrences_per_year: Decimal
    performed_by: str = RoleGroup.EMPLOYEES
    basis: str = EstimateBasis.ESTIMATE


def _activity_key(activity) -> tuple:
    # Decimals compare (and hash) by value: 2.5 and 2.50 are the same.
    return (
        activity.name.strip(),
        Decimal(activity.minutes_per_occurrence),
        Decimal(activity.occurrences_per_year),
        activity.performed_by,
        activity.basis,
    )


def activity_changes(
    current: list[Activity], wanted: list[ActivityInput]
) -> tuple[list[Activity], list[ActivityInput]]:
    """What turns `current` into `wanted`: (activities to delete, activities to add).

    An activity identical to a wanted one stays as it is, so equal lists
    (in any order) give two empty lists.
    """
    pool: dict[tuple, list[Activity]] = {}
    for activity in current:
        pool.setdefault(_activity_key(activity), []).append(activity)
    to_add: list[ActivityInput] = []
    for new in wanted:
        same = pool.get(_activity_key(new))
        if same:
            same.pop(0)
        else:
            to_add.append(new)
    return [a for left in pool.values() for a in left], to_add


@transaction.atomic
def replace_activities(
    *, item: Item, activities: list[ActivityInput], current: list[Activity] | None = None
) -> tuple[int, int]:
    """Make the item's current activities exactly `activities`; returns (added, deleted).

    Identical activities are kept; the others are deleted and added through
    delete_activity and add_activity, as on the item's page. `current` is the
    item's current activities when the caller has read them already.
    """
    if current is None:
        current = list(selectors.current_activities(item))
    to_delete, to_add = activity_changes(current, activities)
    for activity in to_delete:
        delete_activity(activity=activity)
    for new in to_add:
        add_activity(
            item=item,
            name=new.name,
            minutes_per_occurrence=new.minutes_per_occurrence,
            occurrences_per_year=new.occurrences_per_year,
            performed_by=new.performed_by,
            basis=new.basis,
        )
    return len(to_add), len(to_delete)


# --- assessments -------------------------------------------------------------------


@transaction.atomic
def save_assessment(
    *,
    item: Item,
    person: Person,
    professional: int,
    learning: int,
    involving: int,
    meaningful: int,
    comment: str = "",
) -> Assessment:
    """Create or replace the person's assessment of the item."""
    if not may_assess(item, person):
        raise ValidationError(_("Only employees of the units the item binds can assess it."))
    scores = {
        "professional": professional,
        "learning": learning,
        "involving": involving,
        "meaningful": meaningful,
    }
    bad = {k: _("Choose a value from 1 to 5.") for k, v in scores.items() if v not in range(1, 6)}
    if bad:
        raise ValidationError(bad)
    key = selectors.respondent_key(item, person)
    assessment, _created = Assessment.objects.update_or_create(
        item=item, respondent_key=key, defaults={**scores, "comment": comment.strip()}
    )
    _count_towards_release(item=item, key=key)
    return assessment


def _count_towards_release(*, item: Item, key: str) -> None:
    """Renew the item's published figures when enough people have answered anew."""
    release, _created = MeaningRelease.objects.select_for_update().get_or_create(item=item)
    release.pending, renew = batch_release(
        release.pending, key, k=settings.TILLID_ANONYMITY_MIN_GROUP
    )
    if renew:
        _publish_scores(release)
    release.comment_pending, renew = batch_release(
        release.comment_pending, key, k=settings.TILLID_ANONYMITY_MIN_COMMENT_GROUP
    )
    if renew:
        _publish_comments(release)
    release.save()


def _publish_scores(release: MeaningRelease) -> None:
    figures = selectors.assessment_figures(release.item_id)
    release.respondents = figures["n"]
    for question in selectors.QUESTIONS:
        setattr(release, question, figures[question])


def _publish_comments(release: MeaningRelease) -> None:
    texts = selectors.assessment_comments(release.item_id)
    secrets.SystemRandom().shuffle(texts)
    release.comments = texts
    release.comments_released = True


@transaction.atomic
def publish_meanings(*, items: list[Item]) -> int:
    """Publish the current figures of the items at once (after a bulk load, as the
    demo's): every answer so far counts as one batch."""
    count = 0
    for item in items:
        release, _created = MeaningRelease.objects.select_for_update().get_or_create(item=item)
        n = selectors.assessment_figures(item.pk)["n"]
        release.pending = []
        release.comment_pending = []
        if n >= settings.TILLID_ANONYMITY_MIN_GROUP:
            _publish_scores(release)
        if n >= settings.TILLID_ANONYMITY_MIN_COMMENT_GROUP:
            _publish_comments(release)
        release.save()
        count += 1
    return count


# --- reviews -------------------------------------------------------------------------


@transaction.atomic
def open_review(*, item: Item, user, purpose: str = "", stake_groups: list[str]) -> Review:
    if item.status == ItemStatus.REMOVED:
        raise ValidationError(_("The item has been removed; there is nothing to review."))
    if Review.objects.filter(item=item, status__in=OPEN_REVIEW_STATUSES).exists():
        raise ValidationError(_("The item already has an open review."))
    unknown = [g for g in stake_groups if g not in RoleGroup.values]
    if unknown or not stake_groups:
        raise ValidationError({"stake_groups": _("Choose at least one role group with a stake.")})
    review = Review(item=item, purpose=purpose.strip(), stake_groups=stake_groups, opened_by=user)
    _changed_by(review, user)
    review.save()
    return review


def _require_open(review: Review) -> None:
    if not review.is_open:
        raise ValidationError(_("The review has ended and can no longer be changed."))


@transaction.atomic
def add_participant(
    *, review: Review, role_group: str, name: str = "", person: Person | None = None, user
) -> Participant:
    """Invite a participant: a name or function, or a person from the organisation."""
    _require_open(review)
    errors = {}
    if role_group not in RoleGroup.values:
        errors["role_group"] = _("Choose a role group.")
    if person is not None and not person.is_active:
        errors["person"] = _("%(name)s is no longer active in the organisation.") % {
            "name": person.name
        }
    elif person is not None and review.participants.filter(person=person).exists():
        errors["person"] = _("%(name)s already takes part in this review.") % {"name": person.name}
    name = name.strip() or (person.name if person is not None else "")
    if not name:
        errors["name"] = _("Write the participant's name or function.")
    if errors:
        raise ValidationError(errors)
    return Participant.objects.create(
        review=review,
        role_group=role_group,
        person=person,
        name=name,
        joined_status=review.status,
        joined_on=timezone.localdate(),
        added_by=user,
    )


@transaction.atomic
def invite_role_group(
    *, review: Review, role: str, unit: Unit | None, user, base_url: str
) -> list[Participant]:
    """Invite everyone holding `role` for `unit`'s subtree (or anywhere) at once.

    Each becomes a participant in the review's matching role group (people
    already taking part are skipped) and is e-mailed by the background worker
    once the invitation is saved; they find the review on their front page.
    """
    _require_open(review)
    if role not in selectors.INVITABLE_ROLES:
        raise ValidationError({"role": _("Choose a group to invite.")})
    people = selectors.role_group_people(role=role, unit=unit)
    present = set(review.participants.exclude(person=None).values_list("person_id", flat=True))
    new = [p for p in people if p.pk not in present]
    if not people:
        raise ValidationError({"role": _("Nobody holds that role there.")})
    today = timezone.localdate()
    group = selectors.ROLE_GROUP_OF_ROLE[Role(role)]
    created = [
        Participant.objects.create(
            review=review,
            role_group=group,
            person=person,
            name=person.name,
            joined_status=review.status,
            joined_on=today,
            added_by=user,
        )
        for person in new
    ]
    ids = [p.pk for p in created]
    if ids:
        transaction.on_commit(lambda: tasks.notify_invited.enqueue(ids, base_url))
    return created


@transaction.atomic
def add_note(*, review: Review, text: str, role_group: str = "", user) -> ReviewNote:
    _require_open(review)
    if not text.strip():
        raise ValidationError({"text": _("Write the note.")})
    if role_group and role_group not in RoleGroup.values:
        raise ValidationError({"role_group": _("Choose a role group.")})
    return ReviewNote.objects.create(
        review=review, text=text.strip(), role_group=role_group, status=review.status, author=user
    )


_NEXT_STATUS: dict[str, str] = {
    ReviewStatus.EXPLORING: ReviewStatus.DESIGNING,
    ReviewStatus.DESIGNING: ReviewStatus.DECIDING,
}


@transaction.atomic
def advance_review(*, review: Review, user) -> Review:
    _require_open(review)
    following = _NEXT_STATUS.get(review.status)
    if following is None:
        raise ValidationError(_("The review is ready for its decision."))
    review.status = following
    _changed_by(review, user)
    review.save()
    return review


def _current_minutes(item: Item) -> float:
    pairs = item.activities.filter(retired_on__isnull=True).values_list(
        "minutes_per_occurrence", "occurrences_per_year"
    )
    return minutes_per_person(pairs, item.minutes_per_occurrence, item.occurrences_per_year)


def decision_errors(
    *,
    decision: str,
    rationale: str,
    decided_on: date | None,
    new_activity_name: str = "",
    new_minutes_per_occurrence: Decimal | None = None,
    new_occurrences_per_year: Decimal | None = None,
) -> dict[str, str]:
    """What is wrong with a review decision, by field (empty when nothing is).

    The rule of `decide_review`; the decision form shows it too, with its own errors.
    """
    decided_on = decided_on or timezone.localdate()
    errors: dict[str, str] = {}
    if decision not in Decision.values:
        errors["decision"] = _("Choose one of the four decisions.")
    if not rationale.strip():
        errors["rationale"] = _("Give the rationale for the decision.")
    if decided_on > timezone.localdate():
        errors["decided_on"] = _("The decision date cannot be in the future.")
    carries_estimate = decision in (Decision.CHANGE, Decision.ANCHOR)
    if carries_estimate:
        if not new_activity_name.strip():
            errors["new_activity_name"] = _("Describe the new way of working.")
        if new_minutes_per_occurrence is None or new_minutes_per_occurrence < 0:
            errors["new_minutes_per_occurrence"] = _(
                "Give the new estimate of minutes per occurrence (0 or more)."
            )
        if new_occurrences_per_year is None or new_occurrences_per_year < 0:
            errors["new_occurrences_per_year"] = _(
                "Give the new estimate of occurrences per person per year (0 or more)."
            )
    return errors


@transaction.atomic
def decide_review(
    *,
    review: Review,
    user,
    decision: str,
    rationale: str,
    decided_on: date | None = None,
    new_activity_name: str = "",
    new_minutes_per_occurrence: Decimal | None = None,
    new_occurrences_per_year: Decimal | None = None,
) -> Review:
    """End the review with one of the four F's.

    Remove makes the item inactive from the decision date (its whole burden
    is freed), or escalates it when only a higher layer can remove it.
    Change and anchor replace the item's current activities with the new
    estimate; keep leaves the burden as it is.
    """
    list(Review.objects.select_for_update().filter(pk=review.pk))
    review.refresh_from_db()
    _require_open(review)
    item = Item.objects.select_for_update().get(pk=review.item_id)
    decided_on = decided_on or timezone.localdate()
    errors = decision_errors(
        decision=decision,
        rationale=rationale,
        decided_on=decided_on,
        new_activity_name=new_activity_name,
        new_minutes_per_occurrence=new_minutes_per_occurrence,
        new_occurrences_per_year=new_occurrences_per_year,
    )
    carries_estimate = decision in (Decision.CHANGE, Decision.ANCHOR)
    if errors:
        raise ValidationError(errors)

    before = _current_minutes(item)
    review.decision = decision
    review.rationale = rationale.strip()
    review.decided_on = decided_on
    review.minutes_before = before
    review.follow_up_on = default_follow_up_on(decided_on)
    _changed_by(item, user)
    _changed_by(review, user)
    if decision == Decision.REMOVE and selectors.needs_escalation(item):
        review.status = ReviewStatus.ESCALATED
        review.escalated_to = item.layer if item.layer in selectors.HIGHER_LAYERS else Layer.STATE
        review.escalation_answer = EscalationAnswer.WAITING
        review.minutes_after = before
        item.status = ItemStatus.ESCALATED
        item.save()
    elif decision == Decision.REMOVE:
        review.status = ReviewStatus.DECIDED
        review.minutes_after = 0
        item.status = ItemStatus.REMOVED
        item.ended_on = decided_on
        item.save()
    elif carries_estimate:
        review.status = ReviewStatus.DECIDED
        # One save per activity (an item has a handful), so each leaves a history row.
        for activity in item.activities.filter(retired_on__isnull=True):
            activity.retired_on = decided_on
            activity.save(update_fields=["retired_on"])
        # Both are given when the decision carries an estimate (checked above).
        assert new_minutes_per_occurrence is not None
        assert new_occurrences_per_year is not None
        Activity.objects.create(
            item=item,
            name=new_activity_name.strip(),
            minutes_per_occurrence=new_minutes_per_occurrence,
            occurrences_per_year=new_occurrences_per_year,
            performed_by=RoleGroup.EMPLOYEES,
            basis=EstimateBasis.ESTIMATE,
        )
        review.minutes_after = minutes_per_person(
            [(new_minutes_per_occurrence, new_occurrences_per_year)]
        )
        item.save()  # a history record marks the change of estimate
    else:
        review.status = ReviewStatus.DECIDED
        review.minutes_after = before
    review.save()
    return review


# --- documentation neutrality ------------------------------------------------------


@transaction.atomic
def set_baseline(*, baseline_on: date, user) -> BalanceBaseline:
    if baseline_on > timezone.localdate():
        raise ValidationError({"baseline_on": _("The baseline cannot be in the future.")})
    return BalanceBaseline.objects.create(baseline_on=baseline_on, set_by=user)


# --- red tape --------------------------------------------------------------------------


def code_hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


def new_follow_up_code() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    raw = "".join(secrets.choice(alphabet) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


@transaction.atomic
def report_red_tape(
    *,
    user,
    title: str,
    description: str,
    item: Item | None = None,
    minutes_per_week: int | None = None,
    suggestion: str = "",
    anonymous: bool = False,
) -> tuple[RedTapeReport, str]:
    """File a report; returns it and the private follow-up code (shown once)."""
    errors = {}
    if item is None and not title.strip():
        errors["title"] = _("Say what the governance is, or choose a registered item.")
    if not description.strip():
        errors["description"] = _("Describe what makes no sense.")
    if minutes_per_week is not None and minutes_per_week < 0:
        errors["minutes_per_week"] = _("Minutes cannot be negative.")
    if errors:
        raise ValidationError(errors)
    code = new_follow_up_code()
    person = None if anonymous else Person.objects.filter(user=user).first()
    report = RedTapeReport.objects.create(
        item=item,
        review=(
            Review.objects.filter(item=item, status__in=OPEN_REVIEW_STATUSES).first()
            if item
            else None
        ),
        title=title.strip() or (item.title if item else ""),
        description=description.strip(),
        minutes_per_week=minutes_per_week,
        suggestion=suggestion.strip(),
        is_anonymous=anonymous,
        reporter=None if anonymous else user,
        unit=person.unit if person else None,
        follow_up_hash=code_hash(code),
        reported_on=timezone.localdate(),
        due_on=timezone.localdate() + timedelta(days=promise_days()),
    )
    return report, code


@transaction.atomic
def handle_report(
    *,
    report: RedTapeReport,
    status: str,
    answer: str = "",
    item: Item | None = None,
    review: Review | None = None,
) -> RedTapeReport:
    if status not in ReportStatus.values:
        raise ValidationError({"status": _("Choose a status.")})
    if status == ReportStatus.REJECTED and not answer.strip():
        raise ValidationError(
            {"answer": _("Give the reason for rejecting the report; the reporter will see it.")}
        )
    if status == ReportStatus.RESOLVED and not answer.strip():
        raise ValidationError({"answer": _("Tell the reporter how the report was resolved.")})
    if review is not None and item is not None and review.item_id != item.pk:
        raise ValidationError({"review": _("The review must be of the linked item.")})
    if status != report.status:
        report.status_changed_on = timezone.localdate()
    report.status = status
    report.answer = answer.strip()
    if report.answer and report.answered_on is None:
        # The first answer in writing closes the promise to the reporter.
        report.answered_on = timezone.localdate()
    if item is not None:
        report.item = item
    if review is not None:
        report.review = review
        report.item = review.item
    report.save()
    return report


@transaction.atomic
def add_report_note(*, report: RedTapeReport, text: str, user) -> RedTapeNote:
    """An internal note for the Meningssamling; the reporter never sees it."""
    if not text.strip():
        raise ValidationError({"text": _("Write the note.")})
    return RedTapeNote.objects.create(report=report, text=text.strip(), author=user)


@transaction.atomic
def open_review_for_report(*, report: RedTapeReport, user) -> Review:
    """Open a review of the report's item, linked to the report (which is then examined).

    Every role group has a stake until the facilitator says otherwise; an open
    review of the item is linked instead of opening a second one.
    """
    if report.item_id is None:
        raise ValidationError(_("Link the report to a registered item first."))
    item = Item.objects.get(pk=report.item_id)
    review = Review.objects.filter(item=item, status__in=OPEN_REVIEW_STATUSES).first()
    if review is None:
        review = open_review(
            item=item,
            user=user,
            purpose=_("Raised in the Meningssamling: %(title)s") % {"title": report.title},
            stake_groups=list(RoleGroup.values),
        )
    report.review = review
    if report.status == ReportStatus.NEW:
        report.status = ReportStatus.EXAMINING
        report.status_changed_on = timezone.localdate()
    report.save()
    return review


@transaction.atomic
def reply_to_report(*, report: RedTapeReport, text: str) -> RedTapeReport:
    if not text.strip():
        raise ValidationError({"text": _("Write your reply.")})
    report.reporter_reply = text.strip()
    report.save(update_fields=["reporter_reply"])
    return report


def ensure_burden_stamp(*, using: str = "default") -> None:
    """Make the burden stamp's row if it is missing (after `flush`, which empties it).

    Without the row burden inputs are simply never reused; with a fresh random
    token nothing computed before can match.
    """
    connection = connections[using]
    if BurdenStamp._meta.db_table not in connection.introspection.table_names():
        return  # migrated back to before the stamp existed
    BurdenStamp.objects.using(using).get_or_create(pk=1, defaults={"token": secrets.token_hex(16)})


# --- the follow-up loop (issue 11) -------------------------------------------------


def promise_days() -> int:
    """Days within which a red-tape report is answered (the promise to the reporter)."""
    return int(settings.TILLID_RED_TAPE_PROMISE_DAYS)


def default_follow_up_on(decided_on: date) -> date:
    """When a decision made on `decided_on` is followed up, unless the facilitator says otherwise."""
    return add_months(decided_on, int(settings.TILLID_DECISION_FOLLOW_UP_MONTHS))


@transaction.atomic
def assign_report(*, report: RedTapeReport, assignee, user) -> RedTapeReport:
    """Make `assignee` responsible for answering the report (None: nobody yet)."""
    if assignee is not None and (not assignee.is_active or not may_handle_report(assignee, report)):
        raise ValidationError(
            {
                "assignee": _(
                    "%(name)s cannot answer this report: choose someone from the "
                    "Meningssamling for the reporter's unit."
                )
                % {"name": assignee.get_full_name() or assignee.username}
            }
        )
    report.assignee = assignee
    report.save(update_fields=["assignee"])
    return report


def _require_decided(review: Review) -> None:
    if review.status != ReviewStatus.DECIDED or not review.decision:
        raise ValidationError(_("Only a decided review is followed up this way."))


def _check_follow_up_on(review: Review, follow_up_on: date | None) -> None:
    if follow_up_on is None:
        raise ValidationError({"follow_up_on": _("Give the follow-up date.")})
    if review.decided_on and follow_up_on < review.decided_on:
        raise ValidationError(
            {"follow_up_on": _("The follow-up date cannot be before the decision.")}
        )


@transaction.atomic
def record_decision_follow_up(
    *, review: Review, user, follow_up_on: date | None, verdict: str = "", note: str = ""
) -> Review:
    """Move the follow-up date, or record what the follow-up found: was the burden
    really freed, did the change work? A verdict is given with what was found."""
    review = Review.objects.select_for_update().get(pk=review.pk)
    _require_decided(review)
    _check_follow_up_on(review, follow_up_on)
    if verdict and verdict not in FollowUpVerdict.values:
        raise ValidationError({"verdict": _("Choose a verdict.")})
    if verdict and not note.strip():
        raise ValidationError({"note": _("Write what the follow-up found.")})
    review.follow_up_on = follow_up_on
    if verdict:
        review.follow_up_verdict = verdict
        review.follow_up_note = note.strip()
        review.followed_up_on = timezone.localdate()
        review.followed_up_by = user
    _changed_by(review, user)
    review.save()
    return review


@transaction.atomic
def record_escalation_answer(
    *,
    review: Review,
    user,
    follow_up_on: date | None,
    answer: str = "",
    answered_on: date | None = None,
    note: str = "",
) -> Review:
    """The higher layer's answer to an escalated removal, or a new date to ask again.

    Granted: the item is removed from the day of the answer and the decision is
    in force (the review counts as decided). Refused: the item stays active.
    """
    review = Review.objects.select_for_update().get(pk=review.pk)
    if review.status != ReviewStatus.ESCALATED:
        raise ValidationError(_("The review is not waiting for a higher layer."))
    _check_follow_up_on(review, follow_up_on)
    review.follow_up_on = follow_up_on
    _changed_by(review, user)
    if answer in ("", EscalationAnswer.WAITING):
        review.save()
        return review
    errors = {}
    if answer not in EscalationAnswer.values:
        errors["answer"] = _("Choose the answer.")
    if answered_on is None:
        errors["answered_on"] = _("Give the date of the answer.")
    elif answered_on > timezone.localdate():
        errors["answered_on"] = _("The date of the answer cannot be in the future.")
    elif review.decided_on and answered_on < review.decided_on:
        errors["answered_on"] = _("The answer cannot be older than the escalation.")
    if not note.strip():
        errors["note"] = _("Write what the answer said.")
    if errors:
        raise ValidationError(errors)
    item = Item.objects.select_for_update().get(pk=review.item_id)
    _changed_by(item, user)
    review.escalation_answer = answer
    review.escalation_answered_on = answered_on
    review.follow_up_note = note.strip()
    review.followed_up_on = timezone.localdate()
    review.followed_up_by = user
    if answer == EscalationAnswer.GRANTED:
        review.status = ReviewStatus.DECIDED
        review.minutes_after = 0
        item.status = ItemStatus.REMOVED
        item.ended_on = answered_on
        item.save()
    elif item.status == ItemStatus.ESCALATED:
        item.status = ItemStatus.ACTIVE
        item.save()
    review.save()
    return review
