"""Overview endpoints of the REST API, under /api/overview/: aggregates only.

The same rules as the page: anyone with a role may read the overview, for the
parts of the organisation whose figures they may see; the figures are the
modules' indicators as they hand them over, through the anonymity engine.
Follow-ups are given as counts per kind, never as a list of people's tasks.
"""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from tillid.core.errors import AppError
from tillid.core.viewkit import require
from tillid.organisation.models import Unit
from tillid.overview import selectors

router = Router(tags=["overview"])


class ScopeIn(Schema):
    unit: int | None = None
    start: dt.date | None = None
    end: dt.date | None = None


class TrendPointOut(Schema):
    label: str
    value: float | None
    low: float | None = None
    high: float | None = None


class IndicatorOut(Schema):
    code: str
    label: str
    value: float | None
    value_text: str
    measure: str
    status: str
    status_label: str
    explanation: str
    organisation_value: float | None
    url: str
    trend: list[TrendPointOut]


class TrackOut(Schema):
    track: str
    label: str
    status: str
    status_label: str
    indicators: list[IndicatorOut]


class OverviewOut(Schema):
    unit_id: int | None
    unit_name: str
    start: dt.date
    end: dt.date
    tracks: list[TrackOut]


class KindCountOut(Schema):
    kind: str
    label: str
    open: int
    late: int


class FollowUpCountsOut(Schema):
    unit_id: int | None
    open: int
    late: int
    kinds: list[KindCountOut]


def _scope(request, query: ScopeIn):
    require(selectors.may_view(request.user))
    seen = selectors.units_seen(request.user)
    unit = None
    if query.unit is not None:
        unit = selectors.unit_choices(seen).filter(pk=query.unit).first()
        if unit is None:
            exists = Unit.objects.filter(pk=query.unit, is_active=True).exists()
            require(not exists)  # a unit the user may not see: 403
            raise AppError(_("There is no such unit."))
    elif not seen.everything:
        unit = selectors.unit_choices(seen).first()
        require(unit is not None)
    period = selectors.default_period(today=timezone.localdate())
    start, end = query.start or period.start, query.end or period.end
    if start > end:
        raise AppError(_("The end of the period must be on or after its start."))
    return unit, selectors.scope_of(unit), selectors.Period(start=start, end=end)


@router.get("/indicators", response=OverviewOut)
def indicators(request, query: Query[ScopeIn]):
    """The five tracks' indicators for a part of the organisation and a period."""
    unit, scope, period = _scope(request, query)
    return {
        "unit_id": unit.pk if unit else None,
        "unit_name": unit.name if unit else str(_("The whole organisation")),
        "start": period.start,
        "end": period.end,
        "tracks": [
            {
                "track": track.track.value,
                "label": track.label,
                "status": track.status.value,
                "status_label": track.status_label,
                "indicators": [
                    {
                        "code": item.indicator.code,
                        "label": item.indicator.label,
                        "value": item.indicator.value,
                        "value_text": item.value,
                        "measure": item.indicator.measure.value,
                        "status": item.indicator.status.value,
                        "status_label": item.status_label,
                        "explanation": item.indicator.explanation,
                        "organisation_value": item.indicator.organisation_value,
                        "url": item.indicator.url,
                        "trend": [
                            {"label": p.label, "value": p.value, "low": p.low, "high": p.high}
                            for p in item.indicator.trend
                        ],
                    }
                    for item in track.items
                ],
            }
            for track in selectors.tracks(scope=scope, period=period)
        ],
    }


@router.get("/followups", response=FollowUpCountsOut)
def followup_counts(request, query: Query[ScopeIn]):
    """How many follow-ups are open and late, per kind, in a part of the organisation."""
    unit, scope, _period = _scope(request, query)
    today = timezone.localdate()
    summary = selectors.late_summary(
        selectors.followups(scope=scope, owner_id=None, today=today), today=today
    )
    return {
        "unit_id": unit.pk if unit else None,
        "open": summary.open_total,
        "late": summary.late_total,
        "kinds": [
            {"kind": k.kind, "label": k.label, "open": k.open, "late": k.late}
            for k in summary.kinds
        ],
    }
