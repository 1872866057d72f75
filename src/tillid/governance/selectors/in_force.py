"""What is in force, and what decisions freed: the one definition every figure uses.

**In force.** An item is in force on a day when it was introduced on or
before that day and has not ended: it has no end date (`ended_on`, the day a
removal took effect or the item was made inactive) or ends after that day.
An item marked removed without an end date has ended. Escalated items are
still in force: only the higher layer's granted answer removes them.

**Freed.** A decision frees time from the day it is in force: a removal
granted by a higher layer from the answer, any other decision from its
decision date. It frees (minutes per person a year before − after) × the
people the item binds today / 60 hours a year; a decision that raised the
minutes frees a negative amount. A decision whose follow-up found that it
did not work frees nothing from the day that was recorded.

The register's totals, the onion, an item's page, the indicators and the
register export all ask these functions; none repeats the rule.
"""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from tillid.governance.models import (
    EscalationAnswer,
    FollowUpVerdict,
    Item,
    ItemStatus,
    Review,
    ReviewStatus,
)

# The review fields `freed_minutes` reads.
DECISION_FIELDS = (
    "pk",
    "item_id",
    "status",
    "decision",
    "decided_on",
    "escalation_answer",
    "escalation_answered_on",
    "followed_up_on",
    "follow_up_verdict",
    "minutes_before",
    "minutes_after",
)


def is_in_force(
    *,
    status: str,
    introduced_on: dt.date | str,
    ended_on: dt.date | str | None,
    on: dt.date | None = None,
) -> bool:
    """Is an item with these columns in force on `on` (today when not given)?

    The dates may be ISO text (as the register's reused inputs read them on SQLite).
    """
    day = (on or timezone.localdate()).isoformat()
    if _iso(introduced_on) > day:
        return False
    if ended_on is None:
        return status != ItemStatus.REMOVED
    return _iso(ended_on) > day


def _iso(value: dt.date | str) -> str:
    return value if isinstance(value, str) else value.isoformat()


def in_force_ids(inputs: Any, on: dt.date | None = None) -> set[int]:
    """The items in force among the register's reused inputs (stamp.all_inputs).

    `is_in_force` for every item, with the day worked out once (20,000 items a request).
    """
    day = (on or timezone.localdate()).isoformat()
    status = inputs.extra["status"]
    introduced = inputs.extra["introduced_on"]
    ended = inputs.extra["ended_on"]
    removed = ItemStatus.REMOVED.value
    found = set()
    for pk in inputs.mpp:
        if _iso(introduced[pk]) > day:
            continue
        end = ended[pk]
        if (status[pk] != removed) if end is None else (_iso(end) > day):
            found.add(pk)
    return found


def item_in_force(item: Item, on: dt.date | None = None) -> bool:
    return is_in_force(
        status=item.status, introduced_on=item.introduced_on, ended_on=item.ended_on, on=on
    )


def in_force_q(on: dt.date | None = None) -> Q:
    """`is_in_force` as a query filter on items."""
    on = on or timezone.localdate()
    return Q(introduced_on__lte=on) & (
        Q(ended_on__gt=on) | (Q(ended_on__isnull=True) & ~Q(status=ItemStatus.REMOVED))
    )


def in_force_items(on: dt.date | None = None) -> QuerySet[Item]:
    return Item.objects.filter(in_force_q(on))


def in_force_since(review: Any) -> dt.date | None:
    """A removal granted by a higher layer is in force from its answer, others from the decision."""
    if review.escalation_answer == EscalationAnswer.GRANTED:
        return review.escalation_answered_on
    return review.decided_on


def freed_minutes(review: Any, on: dt.date | None = None) -> float | None:
    """Minutes per person a year the review's decision frees on `on`, or None if it frees nothing.

    `review` is a Review (or any object with DECISION_FIELDS as attributes).
    """
    on = on or timezone.localdate()
    since = in_force_since(review)
    if review.status != ReviewStatus.DECIDED or not review.decision or since is None or since > on:
        return None
    followed = review.followed_up_on is not None and review.followed_up_on <= on
    if followed and review.follow_up_verdict == FollowUpVerdict.DID_NOT_WORK:
        return None
    if review.minutes_before is None:
        return None
    return float(review.minutes_before) - float(review.minutes_after or 0)


def freed_minutes_by_item(
    item_ids: Iterable[int] | None = None, on: dt.date | None = None
) -> dict[int, float]:
    """Minutes per person a year freed by decisions in force, summed per item."""
    reviews = Review.objects.filter(status=ReviewStatus.DECIDED).exclude(
        minutes_before__isnull=True
    )
    wanted = None if item_ids is None else set(item_ids)
    if wanted is not None and len(wanted) < 500:
        reviews = reviews.filter(item_id__in=wanted)
    found: dict[int, float] = {}
    for review in reviews.only(*DECISION_FIELDS).order_by():
        if wanted is not None and review.item_id not in wanted:
            continue
        minutes = freed_minutes(review, on)
        if minutes:
            found[review.item_id] = found.get(review.item_id, 0.0) + minutes
    return found
