"""What governance offers the overview's effect pages (contracts "effects.*").

Which units and items a four-F decision touched and when (the items' bound
units, from the decision date), the kinds of decision a group may be asked
for, and outcomes measured per unit subtree and half-year, with the employees
counted through the anonymity engine (units whose headcount it hides are left
out):

- red tape: red-tape reports per 100 employees in the half-year;
- burden hours: hours a year per employee of the items in force on the last
  day of the half-year (selectors.in_force), each item's hours by the burden
  formula (burden.hours_per_year) over the people it binds in the subtree;
- freed hours: hours a year per employee freed on the last day of the
  half-year by remove/change decisions (selectors.in_force.freed_minutes) on
  items binding people in the subtree, so cumulative over the half-years.
"""

from collections import defaultdict
from collections.abc import Callable
from datetime import date
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from tillid.core.periods import half_year_of, numbered_half_years
from tillid.governance.burden import hours_per_year
from tillid.governance.models import Decision, Item, RedTapeReport, Review, ReviewStatus
from tillid.governance.selectors.engine import burden_inputs
from tillid.governance.selectors.in_force import DECISION_FIELDS, freed_minutes, in_force_items
from tillid.governance.selectors.meaning import meaning_for
from tillid.organisation.models import Unit
from tillid.organisation.selectors import (
    Tree,
    active_people_per_unit,
    disclose_per_unit,
    unit_tree,
)

RED_TAPE = "governance:red_tape"
BURDEN_HOURS = "governance:burden_hours"
FREED_HOURS = "governance:freed_hours"
# The decisions that free time (the overview's effects.data.FREEING_DECISIONS).
FREEING = (Decision.REMOVE, Decision.CHANGE)


def _decided() -> "Q":
    return Q(decided_on__isnull=False) & ~Q(decision="")


def treatments(*, decision_id=None, trial_id=None, group=None) -> dict | None:
    if decision_id is not None:
        review = (
            Review.objects.filter(_decided(), pk=decision_id)
            .select_related("item")
            .prefetch_related("item__units", "notes")
            .first()
        )
        if review is None:
            return None
        item = review.item
        notes = []
        if review.rationale:
            notes.append((_("Rationale for the decision"), review.rationale))
        if review.follow_up_note:
            notes.append((_("What the follow-up found"), review.follow_up_note))
        notes += [(_("Note from the review"), n.text) for n in review.notes.order_by("created_at")]
        notes.append((_("How meaningful those governed find the item"), _meaning_note(item)))
        label = review.get_decision_display()
        return {
            "kind": "decision",
            "id": review.pk,
            "title": f"{label}: {item.title}",
            "label": label,
            "url": reverse("governance:review", args=[review.pk]),
            "units": [(u.pk, review.decided_on, item.title) for u in item.units.all()],
            "items": [item.pk],
            "notes": notes,
        }
    if group is not None and not group.get("trials"):
        reviews = Review.objects.filter(_decided()).select_related("item")
        if group.get("decision"):
            reviews = reviews.filter(decision=group["decision"])
        if group.get("year"):
            reviews = reviews.filter(decided_on__year=group["year"])
        area = Unit.objects.filter(pk=group["area_id"]).first() if group.get("area_id") else None
        units: list = []
        items: list[int] = []
        for review in reviews.prefetch_related("item__units").order_by("decided_on", "pk"):
            for unit in review.item.units.all():
                if area is None or unit.path.startswith(area.path):
                    units.append((unit.pk, review.decided_on, review.item.title))
                    if review.item_id not in items:
                        items.append(review.item_id)
        return {
            "kind": "group",
            "id": None,
            "title": _("A group of decisions"),
            "label": "",
            "url": "",
            "units": units,
            "items": items,
            "notes": [],
        }
    return None


def _meaning_note(item: Item) -> str:
    """The item's released meaningfulness in words, beside the effect's numbers.

    Not an outcome per unit and half-year: an assessment keeps neither the
    respondent's unit nor a date (either could point to a person), so the
    released figures are per item only, and they are shown here as they are.
    """
    found = meaning_for(item)
    if not found.shown or found.overall is None:
        return _("Too few people have assessed the item for its figures to be shown.")
    return _(
        "On average %(overall)s of 5 over the four questions, from %(n)s people "
        "(meaningful: %(meaningful)s)."
    ) % {
        "overall": number_format(round(found.overall, 1), 1),
        "n": number_format(found.respondents, force_grouping=True),
        "meaningful": number_format(round(found.means["meaningful"], 1), 1),
    }


def treatment_kinds() -> list[tuple[str, str]]:
    return [(code, str(label)) for code, label in Decision.choices]


def outcomes() -> list[tuple[str, str]]:
    return [
        (RED_TAPE, _("Red-tape reports per 100 employees (half-year)")),
        (BURDEN_HOURS, _("Hours of burden a year per employee (end of half-year)")),
        (FREED_HOURS, _("Hours a year freed per employee by four-F decisions (cumulative)")),
    ]


def _empty() -> dict:
    return {"periods": [], "values": [], "left_out": 0}


def outcome_values(
    *, outcome: str, unit_ids: list[int], treatment: dict | None = None
) -> dict | None:
    if outcome == RED_TAPE:
        return _red_tape(unit_ids)
    if outcome == BURDEN_HOURS:
        return _burden_hours(unit_ids)
    if outcome == FREED_HOURS:
        return _freed_hours(unit_ids)
    return None


def _red_tape(unit_ids: list[int]) -> dict:
    units = {u.pk: u for u in Unit.objects.filter(pk__in=unit_ids, is_active=True)}
    days = list(RedTapeReport.objects.order_by().values_list("reported_on", "unit__path"))
    if not days or not units:
        return _empty()
    halves = numbered_half_years(
        half_year_of(min(d for d, _p in days)), half_year_of(max(d for d, _p in days))
    )
    period_of = {half_year_of(start): period for period, _label, start, _end in halves}
    # Employees per unit subtree, only where the anonymity engine shows the count.
    disclosure = disclose_per_unit(active_people_per_unit())
    reports: dict[tuple[int, int], int] = defaultdict(int)
    for day, path in days:
        # The report counts for its own unit and every unit above it.
        for part in (path or "").strip("/").split("/"):
            if part and int(part) in units:
                reports[(int(part), period_of[half_year_of(day)])] += 1
    values, left_out = [], 0
    for uid in sorted(units):
        employees = disclosure.shown_count(uid)
        if not employees:
            left_out += 1
            continue
        for period, _label, _start, _end in halves:
            values.append(
                {
                    "unit": uid,
                    "period": period,
                    "value": 100.0 * reports[(uid, period)] / employees,
                    "respondents": employees,
                }
            )
    return {"periods": [h[:3] for h in halves], "values": values, "left_out": left_out}


def _people_in(tree: Tree, unit_id: int, bound: list[int]) -> int:
    """People of `unit_id`'s subtree that an item bound to the units `bound` binds:
    all of them when it binds the unit or one above it, else those of the bound
    units inside the subtree."""
    if set(tree.ancestors_or_self(unit_id)) & set(bound):
        return tree.totals.get(unit_id, 0)
    inside = [b for b in bound if unit_id in tree.ancestors_or_self(b)]
    return tree.people(inside) if inside else 0


def _hours_per_employee(
    unit_ids: list[int],
    minutes_of: Callable[[date, Tree], tuple[dict[int, float], Any]],
    first: date | None,
) -> dict:
    """Shared by burden and freed hours: per unit and half-year up to today, the
    sum over items of hours_per_year(minutes, people bound in the subtree ×
    the item's headcount override share), divided by the disclosed headcount.

    `minutes_of(day)` gives (minutes per person a year per item, the items' burden
    inputs) on `day`."""
    units = sorted(
        Unit.objects.filter(pk__in=unit_ids, is_active=True).values_list("pk", flat=True)
    )
    if not units or first is None:
        return _empty()
    today = timezone.localdate()
    halves = numbered_half_years(half_year_of(first), half_year_of(today))
    tree = unit_tree()
    disclosure = disclose_per_unit(active_people_per_unit())
    shown = {uid: disclosure.shown_count(uid) for uid in units}
    values = []
    for period, _label, _start, end in halves:
        minutes, inputs = minutes_of(min(end, today), tree)
        for uid in units:
            employees = shown[uid]
            if not employees:
                continue
            hours = 0.0
            for pk, mpp in minutes.items():
                bound = (inputs.units or {}).get(pk, [])
                people = _people_in(tree, uid, bound)
                if not people:
                    continue
                natural = inputs.natural.get(pk, 0)
                override = inputs.override.get(pk)
                share = 1.0 if override is None else (override / natural if natural else 0.0)
                hours += hours_per_year(mpp, people * share)
            values.append(
                {
                    "unit": uid,
                    "period": period,
                    "value": hours / employees,
                    "respondents": employees,
                }
            )
    left_out = sum(1 for uid in units if not shown[uid])
    return {"periods": [h[:3] for h in halves], "values": values, "left_out": left_out}


def _first_period() -> date | None:
    """The first day of the half-year before the first decision (a period before)."""
    first = (
        Review.objects.filter(_decided(), status=ReviewStatus.DECIDED)
        .order_by("decided_on")
        .values_list("decided_on", flat=True)
        .first()
    )
    if first is None:
        return None
    year, half = half_year_of(first)
    return date(year - 1, 7, 1) if half == 0 else date(year, 1, 1)


def _burden_hours(unit_ids: list[int]) -> dict:
    def minutes_of(day: date, tree: Tree):
        inputs = burden_inputs(in_force_items(day), tree, keep_units=True)
        return inputs.mpp, inputs

    return _hours_per_employee(unit_ids, minutes_of, _first_period())


def _freed_hours(unit_ids: list[int]) -> dict:
    reviews = list(
        Review.objects.filter(status=ReviewStatus.DECIDED, decision__in=FREEING)
        .exclude(minutes_before__isnull=True)
        .only(*DECISION_FIELDS)
        .order_by("pk")
    )
    cache: dict = {}

    def minutes_of(day: date, tree: Tree):
        if "inputs" not in cache:
            items = Item.objects.filter(pk__in={r.item_id for r in reviews})
            cache["inputs"] = burden_inputs(items, tree, keep_units=True)
        found: dict[int, float] = {}
        for review in reviews:
            minutes = freed_minutes(review, day)
            if minutes:
                found[review.item_id] = found.get(review.item_id, 0.0) + minutes
        return found, cache["inputs"]

    return _hours_per_employee(unit_ids, minutes_of, _first_period())
