"""Governance endpoints of the REST API, under /api/governance/.

The same permissions as the pages: the register, reviews and burden totals
for whoever may view governance; red-tape reports only for their handlers,
within their scope, and never with a link to an anonymous reporter.
Assessment results follow the anonymity threshold.
"""

from datetime import date

from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from tillid.governance import selectors
from tillid.governance.models import Item, RedTapeReport, Review
from tillid.organisation.models import Unit
from tillid.organisation.permissions import Perm, require_perm, scope_for

router = Router(tags=["governance"])


class BurdenOut(Schema):
    minutes_per_person_per_year: float
    people: float
    hours_per_year: float
    dkk_per_year: float


def _burden(b) -> dict:
    return {
        "minutes_per_person_per_year": float(b.minutes_per_person),
        "people": float(b.people),
        "hours_per_year": round(float(b.hours), 2),
        "dkk_per_year": round(float(b.dkk), 2),
    }


class MeaningOut(Schema):
    respondents_shown: bool
    professional: float | None = None
    learning: float | None = None
    involving: float | None = None
    meaningful: float | None = None
    classification: str


class ItemOut(Schema):
    id: int
    reference: str
    title: str
    kind: str
    layer: str
    status: str
    in_force: bool  # selectors.in_force: counts in the burden totals and the onion
    is_hard: bool
    is_formal: bool
    mandated_by_law: bool
    introduced_on: date
    unit_ids: list[int]
    controls_id: int | None
    burden: BurdenOut


class ActivityOut(Schema):
    name: str
    minutes_per_occurrence: float
    occurrences_per_year: float
    performed_by: str
    basis: str


class ItemDetailOut(ItemOut):
    description: str
    legal_basis: str
    owner: str
    risks: str
    values: list[str]
    activities: list[ActivityOut]
    meaning: MeaningOut


class ReviewOut(Schema):
    id: int
    item_id: int
    status: str
    stake_groups: list[str]
    involved_groups: list[str]
    decision: str
    rationale: str
    decided_on: date | None
    escalated_to: str


class ReportOut(Schema):
    id: int
    item_id: int | None
    review_id: int | None
    title: str
    description: str
    minutes_per_week: int | None
    suggestion: str
    is_anonymous: bool
    unit_id: int | None
    status: str
    answer: str
    reported_on: date


class UnitBurdenOut(Schema):
    unit_id: int
    name: str
    hours_per_year: float
    dkk_per_year: float


def _item_row(item: Item, figures) -> dict:
    fig = figures[item.pk]
    return {
        "id": item.pk,
        "reference": item.reference,
        "title": item.title,
        "kind": item.kind,
        "layer": item.layer,
        "status": item.status,
        "in_force": selectors.item_in_force(item),
        "is_hard": item.is_hard,
        "is_formal": item.is_formal,
        "mandated_by_law": item.mandated_by_law,
        "introduced_on": item.introduced_on,
        "unit_ids": sorted(fig.unit_ids),
        "controls_id": item.controls_id,
        "burden": _burden(fig.burden),
    }


@router.get("/items", response=list[ItemOut], summary="The governance register with burden")
@paginate(PageNumberPagination, page_size=100)
def list_items(
    request,
    q: str = "",
    layer: str = "",
    kind: str = "",
    unit_id: int | None = None,
    status: str = "",
    sort: str = "burden",
):
    require_perm(request.user, Perm.VIEW_GOVERNANCE)
    unit = get_object_or_404(Unit, pk=unit_id, is_active=True) if unit_id else None
    result = selectors.register(
        query=q, layer=layer, kind=kind, unit=unit, status=status, sort=sort
    )
    return _LazyRows(result)


class _LazyRows:
    """A list of item ids that builds rows only for the requested page."""

    def __init__(self, result: selectors.RegisterResult):
        self.result = result

    def __len__(self):
        return len(self.result.ids)

    def __getitem__(self, index):
        if isinstance(index, slice):
            page = selectors.items_in_order(self.result.ids[index])
            figures = self.result.figures([i.pk for i in page])
            return [_item_row(i, figures) for i in page]
        return self[index : index + 1][0]


@router.get("/items/{item_id}", response=ItemDetailOut, summary="One item")
def item_detail(request, item_id: int):
    require_perm(request.user, Perm.VIEW_GOVERNANCE)
    page = selectors.item_page(get_object_or_404(Item, pk=item_id))
    item, meaning = page.item, page.meaning
    return {
        **_item_row(item, {item.pk: page.figures}),
        "description": item.description,
        "legal_basis": item.legal_basis,
        "owner": item.owner,
        "risks": item.risks,
        "values": item.values,
        "activities": [
            {
                "name": a.name,
                "minutes_per_occurrence": float(a.minutes_per_occurrence),
                "occurrences_per_year": float(a.occurrences_per_year),
                "performed_by": a.performed_by,
                "basis": a.basis,
            }
            for a in page.activities
        ],
        "meaning": {
            "respondents_shown": meaning.shown,
            **(meaning.means if meaning.shown else {}),
            "classification": meaning.classification,
        },
    }


@router.get("/reviews", response=list[ReviewOut], summary="Co-created reviews")
@paginate(PageNumberPagination, page_size=100)
def list_reviews(request, status: str = "", item_id: int | None = None):
    require_perm(request.user, Perm.VIEW_GOVERNANCE)
    item = get_object_or_404(Item, pk=item_id) if item_id else None
    reviews = selectors.reviews(status=status, item=item).prefetch_related("participants")
    return [_review_row(r) for r in reviews]


def _review_row(review: Review) -> dict:
    return {
        "id": review.pk,
        "item_id": review.item_id,
        "status": review.status,
        "stake_groups": review.stake_groups,
        "involved_groups": sorted({p.role_group for p in review.participants.all()}),
        "decision": review.decision,
        "rationale": review.rationale,
        "decided_on": review.decided_on,
        "escalated_to": review.escalated_to,
    }


@router.get(
    "/red-tape-reports", response=list[ReportOut], summary="Red-tape reports (for handlers)"
)
@paginate(PageNumberPagination, page_size=100)
def list_reports(request, status: str = ""):
    require_perm(request.user, Perm.HANDLE_RED_TAPE)
    reports = selectors.report_queue(
        scope=scope_for(request.user, Perm.HANDLE_RED_TAPE), status=status
    )
    return [_report_row(r) for r in reports]


def _report_row(report: RedTapeReport) -> dict:
    return {
        "id": report.pk,
        "item_id": report.item_id,
        "review_id": report.review_id,
        "title": report.title,
        "description": report.description,
        "minutes_per_week": report.minutes_per_week,
        "suggestion": report.suggestion,
        "is_anonymous": report.is_anonymous,
        "unit_id": None if report.is_anonymous else report.unit_id,
        "status": report.status,
        "answer": report.answer,
        "reported_on": report.reported_on,
    }


@router.get("/burden/units", response=list[UnitBurdenOut], summary="Burden of governance per unit")
@paginate(PageNumberPagination, page_size=500)
def unit_burdens(request, parent_id: int | None = None):
    require_perm(request.user, Perm.VIEW_GOVERNANCE)
    totals = selectors.unit_totals()
    units = Unit.objects.filter(is_active=True).order_by("path")
    if parent_id is not None:
        units = units.filter(parent_id=parent_id)
    return [
        {
            "unit_id": u.pk,
            "name": u.name,
            "hours_per_year": round(float(totals[u.pk].hours), 2),
            "dkk_per_year": round(float(totals[u.pk].dkk), 2),
        }
        for u in units.only("pk", "name")
    ]
