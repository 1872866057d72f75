from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tillid.core import exports
from tillid.core.errors import NotFound
from tillid.core.exports import Sheet
from tillid.core.indicators import Measure
from tillid.core.viewkit import file_response, message_errors, paginate, require
from tillid.overview import selectors, services
from tillid.overview.formatting import format_value
from tillid.overview.forms import DecisionFilterForm, FollowUpFilterForm, ScopeForm
from tillid.overview.models import ReportRequest, ReportStatus


@login_required
def overview(request):
    require(selectors.may_view(request.user))
    today = timezone.localdate()
    form = ScopeForm(request.GET or None, user=request.user, today=today)
    unit, scope, period = form.scope_and_period()
    context = {"form": form, "unit": unit, "scope": scope, "period": period, "today": today}
    if unit is None and not form.seen.everything:
        return render(request, "overview/overview.html", {**context, "nothing": True})
    late = selectors.late_summary(
        selectors.followups(scope=scope, owner_id=None, today=today), today=today
    )
    context |= {
        "tracks": selectors.tracks(scope=scope, period=period),
        "late": late,
        "page_obj": paginate(request, late.late),
    }
    return render(request, "overview/overview.html", context)


@login_required
def effects_panel(request):
    """The "Effects and inequality" panel, asked for by the overview once it is shown
    (htmx): it grades every decision in the period, which takes seconds uncached,
    and the first reader of a scope should not wait for it to see the tracks.
    Without htmx it is a page of its own."""
    require(selectors.may_view(request.user))
    today = timezone.localdate()
    form = ScopeForm(request.GET or None, user=request.user, today=today)
    unit, scope, period = form.scope_and_period()
    if unit is None and not form.seen.everything:
        raise NotFound(_("Choose a part of the organisation whose figures you may see."))
    context = {
        "form": form,
        "unit": unit,
        "period": period,
        "effects": selectors.effects(scope=scope, period=period),
    }
    template = "overview/effects/_panel.html" if request.htmx else "overview/effects_page.html"
    return render(request, template, context)


@login_required
def followups(request):
    """Every open follow-up in the user's scope, with filters."""
    require(selectors.may_view(request.user))
    today = timezone.localdate()
    scope_form = ScopeForm(request.GET or None, user=request.user, today=today)
    for name in ("start", "end"):  # follow-ups are open now, whatever the period
        del scope_form.fields[name]
    unit, scope, _period = scope_form.scope_and_period()
    rows = []
    if unit is not None or scope_form.seen.everything:
        rows = [
            f for f in selectors.followups(scope=scope, owner_id=None, today=today) if not f.done
        ]
    form = FollowUpFilterForm(request.GET or None, followups=rows)
    if form.is_valid():
        if form.cleaned_data["mine"]:
            # One's own, wherever they are: as on the front page.
            rows = [
                f
                for f in selectors.followups(scope=None, owner_id=request.user.pk, today=today)
                if not f.done
            ]
            form = FollowUpFilterForm(request.GET, followups=rows)
            form.is_valid()
        if form.cleaned_data["kind"]:
            rows = [f for f in rows if f.kind == form.cleaned_data["kind"]]
        if form.cleaned_data["late"]:
            rows = [f for f in rows if f.is_late(today)]
    return render(
        request,
        "overview/followups.html",
        {
            "form": form,
            "scope_form": scope_form,
            "unit": unit,
            "today": today,
            "total": len(rows),
            "page_obj": paginate(request, rows),
        },
    )


def decisions(request):
    """The published list of decisions: public when TILLID_PUBLISH_DECISIONS is on."""
    if not settings.TILLID_PUBLISH_DECISIONS:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        require(selectors.may_view(request.user))
    today = timezone.localdate()
    form = DecisionFilterForm(request.GET or None, today=today)
    period, kind = form.period_and_kind()
    rows = selectors.published_decisions(period=period)
    form.set_kinds(selectors.decision_kinds(rows))
    if kind:
        rows = [d for d in rows if d.kind == kind]
    download = request.GET.get("format", "")
    if download in ("csv", "xlsx"):
        name = f"beslutninger-{period.start:%Y-%m-%d}-{period.end:%Y-%m-%d}.{download}"
        table = selectors.decision_rows(rows)
        if download == "csv":
            return file_response(exports.csv_bytes(table), name)
        return file_response(exports.xlsx_bytes([Sheet(_("Decisions"), table)]), name)
    page_obj = paginate(request, rows)
    return render(
        request,
        "overview/decisions.html",
        {
            "form": form,
            "period": period,
            "total": len(rows),
            "hours": format_value(sum(d.hours_freed or 0 for d in rows), Measure.HOURS),
            "dkk": format_value(sum(d.dkk_freed or 0 for d in rows), Measure.DKK),
            "page_obj": page_obj,
            "public": settings.TILLID_PUBLISH_DECISIONS,
        },
    )


@login_required
@require_POST
def report_create(request):
    require(selectors.may_view(request.user))
    today = timezone.localdate()
    form = ScopeForm(request.POST, user=request.user, today=today)
    if not form.is_valid():
        message_errors(request, form)
        return redirect("overview:overview")
    unit, _scope, period = form.scope_and_period()
    report = services.request_report(
        user=request.user, unit=unit, start=period.start, end=period.end
    )
    return redirect("overview:report", report.pk)


def _own_report(request, pk: int | str) -> ReportRequest:
    require(selectors.may_view(request.user))
    report = ReportRequest.objects.select_related("unit").filter(pk=pk).first()
    if report is None or report.requested_by_id != request.user.pk:
        raise NotFound()
    return report


@login_required
def report(request, pk: int):
    report = _own_report(request, pk)
    context = {
        "report": report,
        "scope_name": report.unit.name if report.unit else _("The whole organisation"),
    }
    if request.htmx:
        return render(request, "overview/_report_status.html", context)
    return render(request, "overview/report_status.html", context)


@login_required
def report_file(request, pk: str, kind: str):
    report = _own_report(request, pk)
    if report.status != ReportStatus.DONE:
        raise NotFound()
    name = f"raadsrapport-{report.start:%Y-%m-%d}-{report.end:%Y-%m-%d}.{kind}"
    return file_response(bytes(report.pdf if kind == "pdf" else report.xlsx), name)
