"""An item's page as one object: what the page, the API and a report show of it.

`item_page(item)` is built once per request; each part is read from the
database when first asked for, so the API, which shows fewer parts than the
page, costs no more than it did. Who is looking (may they assess, manage) is
the view's business, not the page model's.
"""

from dataclasses import dataclass
from functools import cached_property

from django.db.models import QuerySet

from tillid.core import contracts
from tillid.governance.burden import Burden, from_minutes
from tillid.governance.models import Activity, Item, ReportStatus, Review
from tillid.governance.selectors.engine import ItemFigures, hourly_cost, item_burden
from tillid.governance.selectors.in_force import freed_minutes_by_item, item_in_force
from tillid.governance.selectors.meaning import Meaning, comments, meaning_for
from tillid.governance.selectors.register import (
    control_chain,
    current_activities,
    retired_activities,
)
from tillid.governance.selectors.reviews import item_history, needs_escalation, reviews


@dataclass
class ItemPage:
    item: Item

    @cached_property
    def figures(self) -> ItemFigures:
        return item_burden(self.item)

    @property
    def burden(self) -> Burden:
        return self.figures.burden

    @cached_property
    def in_force(self) -> bool:
        return item_in_force(self.item)

    @cached_property
    def freed(self) -> Burden | None:
        """Hours a year the item's decisions in force freed, or None if they freed none."""
        minutes = freed_minutes_by_item([self.item.pk]).get(self.item.pk)
        if not minutes:
            return None
        return from_minutes(minutes, self.figures.burden.people, hourly_cost())

    @property
    def natural_people(self) -> int:
        return self.figures.natural_people

    @cached_property
    def activities(self) -> QuerySet[Activity]:
        return current_activities(self.item)

    @cached_property
    def retired(self) -> QuerySet[Activity]:
        return retired_activities(self.item)

    @cached_property
    def chain(self) -> list[Item]:
        """The items this item controls, step by step (control of control)."""
        return control_chain(self.item)

    @cached_property
    def controlled_by(self) -> QuerySet[Item]:
        return self.item.controlled_by.all()

    @cached_property
    def meaning(self) -> Meaning:
        return meaning_for(self.item)

    @cached_property
    def comments(self) -> list[str]:
        return comments(self.item)

    @cached_property
    def reviews(self) -> QuerySet[Review]:
        return reviews(item=self.item)

    @cached_property
    def open_review(self) -> Review | None:
        return reviews(item=self.item, status="open").first()

    @cached_property
    def reports(self) -> int:
        """Red tape reports about the item that were not rejected."""
        return self.item.red_tape_reports.exclude(status=ReportStatus.REJECTED).count()

    @cached_property
    def history(self) -> list[dict]:
        return item_history(self.item)

    @cached_property
    def needs_escalation(self) -> bool:
        return needs_escalation(self.item)

    @cached_property
    def exemptions(self) -> list:
        """Trial actions that suspend or change the item (offered by trials)."""
        return contracts.call("governance.exemptions_for_item", item_id=self.item.pk, default=[])


def item_page(item: Item) -> ItemPage:
    return ItemPage(item=item)
