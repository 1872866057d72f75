"""What governance offers the overview's effect pages (contracts "effects.*").

Which units a four-F decision touched and when (the items' bound units, from
the decision date), the kinds of decision a group may be asked for, and one
outcome measured per unit and half-year: red-tape reports per 100 employees,
with the employees counted through the anonymity engine.
"""

from collections import defaultdict
from datetime import date

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from tillid.governance.models import Decision, RedTapeReport, Review
from tillid.organisation.models import Unit
from tillid.organisation.selectors import active_people_per_unit, disclose_per_unit

RED_TAPE = "governance:red_tape"


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
        label = review.get_decision_display()
        return {
            "kind": "decision",
            "id": review.pk,
            "title": f"{label}: {item.title}",
            "label": label,
            "url": reverse("governance:review", args=[review.pk]),
            "units": [(u.pk, review.decided_on, item.title) for u in item.units.all()],
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
        for review in reviews.prefetch_related("item__units").order_by("decided_on", "pk"):
            for unit in review.item.units.all():
                if area is None or unit.path.startswith(area.path):
                    units.append((unit.pk, review.decided_on, review.item.title))
        return {
            "kind": "group",
            "id": None,
            "title": _("A group of decisions"),
            "label": "",
            "url": "",
            "units": units,
            "notes": [],
        }
    return None


def treatment_kinds() -> list[tuple[str, str]]:
    return [(code, str(label)) for code, label in Decision.choices]


def outcomes() -> list[tuple[str, str]]:
    return [(RED_TAPE, _("Red-tape reports per 100 employees (half-year)"))]


def _half(day: date) -> tuple[int, int]:
    return day.year, 0 if day.month <= 6 else 1


def outcome_values(*, outcome: str, unit_ids: list[int]) -> dict | None:
    if outcome != RED_TAPE:
        return None
    units = {u.pk: u for u in Unit.objects.filter(pk__in=unit_ids, is_active=True)}
    days = list(RedTapeReport.objects.order_by().values_list("reported_on", "unit__path"))
    if not days or not units:
        return {"periods": [], "values": [], "left_out": 0}
    first = _half(min(d for d, _p in days))
    last = _half(max(d for d, _p in days))
    halves = []
    year, half = first
    while (year, half) <= last:
        halves.append((year, half))
        year, half = (year, 1) if half == 0 else (year + 1, 0)
    period_of = {h: i + 1 for i, h in enumerate(halves)}
    periods = [
        (
            i + 1,
            _("%(half)s. half-year %(year)s") % {"half": h[1] + 1, "year": h[0]},
            date(h[0], 1 if h[1] == 0 else 7, 1),
        )
        for i, h in enumerate(halves)
    ]
    # Employees per unit subtree, only where the anonymity engine shows the count.
    disclosure = disclose_per_unit(active_people_per_unit())
    reports: dict[tuple[int, int], int] = defaultdict(int)
    for day, path in days:
        # The report counts for its own unit and every unit above it.
        for part in (path or "").strip("/").split("/"):
            if part and int(part) in units:
                reports[(int(part), period_of[_half(day)])] += 1
    values, left_out = [], 0
    for uid in sorted(units):
        employees = disclosure.shown_count(uid)
        if not employees:
            left_out += 1
            continue
        for period, _label, _start in periods:
            values.append(
                {
                    "unit": uid,
                    "period": period,
                    "value": 100.0 * reports[(uid, period)] / employees,
                    "respondents": employees,
                }
            )
    return {"periods": periods, "values": values, "left_out": left_out}
