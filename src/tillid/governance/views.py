from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from tillid.core.errors import Forbidden
from tillid.core.viewkit import add_errors, file_response, message_errors, paginate, require
from tillid.governance import charts, followup, kle, register_file, selectors, services
from tillid.governance.forms import (
    ActivityForm,
    AssessmentForm,
    AssignReportForm,
    BaselineForm,
    ContributionForm,
    DecisionFollowUpForm,
    DecisionForm,
    EscalationAnswerForm,
    FollowUpForm,
    HandleReportForm,
    ImportForm,
    ItemFilterForm,
    ItemForm,
    NoteForm,
    ParticipantForm,
    RedTapeForm,
    ReplyForm,
    ReportNoteForm,
    ReviewOpenForm,
    RoleGroupInviteForm,
)
from tillid.governance.models import (
    Activity,
    EscalationAnswer,
    Item,
    RedTapeReport,
    ReportStatus,
    Review,
    ReviewStatus,
    RoleGroup,
)
from tillid.governance.permissions import (
    can_assess,
    can_manage_any,
    can_manage_item,
    can_manage_units,
    may_add_to_dialogue_log,
    may_read_queue,
)
from tillid.organisation import selectors as org_selectors
from tillid.organisation.permissions import (
    Perm,
    Scope,
    has_perm,
    has_perm_anywhere,
    require_perm,
    scope_for,
)

# --- the register ------------------------------------------------------------------


@login_required
def register(request):
    require_perm(request.user, Perm.VIEW_GOVERNANCE)
    form = ItemFilterForm(request.GET or None)
    filters = {}
    area = grouping = ""
    if form.is_valid():
        area, grouping = form.cleaned_data["kle"], form.cleaned_data["group"]
        data = form.cleaned_data
        filters = {
            "query": data["q"],
            "layer": data["layer"],
            "kind": data["kind"],
            "unit": data["unit"],
            "status": data["status"],
            "min_hours": data["min_hours"],
            "max_hours": data["max_hours"],
            "sort": data["sort"] or "burden",
        }
    result = kle.restrict(selectors.register(**filters), area)
    page = paginate(request, result.ids)
    items = selectors.items_in_order(list(page.object_list))
    meanings = selectors.meaning([i.pk for i in items])
    rows = [
        {
            "item": i,
            "burden": result.burden(i.pk),
            "in_force": result.is_in_force(i.pk),
            "freed": result.freed(i.pk),
            "meaning": meanings.get(i.pk),
        }
        for i in items
    ]
    context = {
        "form": form,
        "page_obj": page,
        "rows": rows,
        "total": result.total,
        "freed_total": result.freed_total,
        "count": len(result.ids),
        "count_in_force": result.count_in_force,
        "can_manage": can_manage_any(request.user),
        "areas": kle.register_by_area(result, grouping) if grouping else None,
    }
    template = "governance/_register_table.html" if request.htmx else "governance/register.html"
    return render(request, template, context)


def _item_or_404(item_id: int) -> Item:
    return get_object_or_404(Item.objects.prefetch_related("units"), pk=item_id)


@login_required
def item_detail(request, item_id: int):
    require_perm(request.user, Perm.VIEW_GOVERNANCE)
    page = selectors.item_page(_item_or_404(item_id))
    item = page.item
    person = org_selectors.person_for_user(request.user)
    may_assess = can_assess(request.user, item, person)
    can_manage = can_manage_item(request.user, item)
    context = {
        "page": page,
        "item": item,
        "burden": page.burden,
        "natural_people": page.natural_people,
        "activities": page.activities,
        "retired": page.retired,
        "chain": page.chain,
        "controlled_by": page.controlled_by,
        "meaning": page.meaning,
        "comments": page.comments,
        "k": settings.TILLID_ANONYMITY_MIN_GROUP,
        "k_comments": settings.TILLID_ANONYMITY_MIN_COMMENT_GROUP,
        "reviews": page.reviews,
        "open_review": page.open_review,
        "reports": page.reports,
        "history": page.history,
        "may_assess": may_assess,
        "own_assessment": selectors.own_assessment(item, person) if may_assess else None,
        "can_manage": can_manage,
        "activity_form": ActivityForm() if can_manage else None,
        "needs_escalation": page.needs_escalation,
        "exemptions": page.exemptions,
    }
    return render(request, "governance/item_detail.html", context)


@login_required
def item_create(request):
    require_perm(request.user, Perm.MANAGE_GOVERNANCE)
    form = ItemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not can_manage_units(request.user, form.cleaned_data["units"]):
            form.add_error("units", _("You may only register governance for units you manage."))
        else:
            try:
                item = services.create_item(data=form.to_input(), user=request.user)
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, _("The item has been registered."))
                return redirect("governance:item", item.pk)
    return render(request, "governance/item_form.html", {"form": form, "item": None})


@login_required
def item_edit(request, item_id: int):
    item = _item_or_404(item_id)
    require(can_manage_item(request.user, item))
    form = ItemForm(request.POST or None, item=item)
    if request.method == "POST" and form.is_valid():
        if not can_manage_units(request.user, form.cleaned_data["units"]):
            form.add_error("units", _("You may only register governance for units you manage."))
        else:
            try:
                services.update_item(item=item, data=form.to_input(), user=request.user)
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, _("The item has been saved."))
                return redirect("governance:item", item.pk)
    return render(request, "governance/item_form.html", {"form": form, "item": item})


@login_required
@require_POST
def activity_add(request, item_id: int):
    item = _item_or_404(item_id)
    require(can_manage_item(request.user, item))
    form = ActivityForm(request.POST)
    if form.is_valid():
        try:
            services.add_activity(item=item, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The activity has been added."))
            return redirect("governance:item", item.pk)
    messages.error(
        request,
        _("The activity was not added: %(errors)s")
        % {"errors": " ".join(m for errs in form.errors.values() for m in errs)},
    )
    return redirect("governance:item", item.pk)


@login_required
@require_POST
def activity_delete(request, item_id: int, activity_id: int):
    item = _item_or_404(item_id)
    require(can_manage_item(request.user, item))
    activity = get_object_or_404(Activity, pk=activity_id, item=item)
    try:
        services.delete_activity(activity=activity)
    except ValidationError as error:
        message_errors(request, error)
    else:
        messages.success(request, _("The activity has been deleted."))
    return redirect("governance:item", item.pk)


@login_required
def assess(request, item_id: int):
    item = _item_or_404(item_id)
    person = org_selectors.person_for_user(request.user)
    require(can_assess(request.user, item, person))
    existing = selectors.own_assessment(item, person)
    initial = None
    if existing is not None:
        initial = {
            q: getattr(existing, q)
            for q in ("professional", "learning", "involving", "meaningful", "comment")
        }
    form = AssessmentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_assessment(item=item, person=person, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Thank you. Your assessment has been saved."))
            return redirect("governance:item", item.pk)
    return render(
        request,
        "governance/assess.html",
        {"item": item, "form": form, "existing": existing is not None},
    )


@login_required
def my_items(request):
    """The governance that binds the user's own unit, to assess (Bentzen 2018: 64)."""
    require_perm(request.user, Perm.VIEW_GOVERNANCE)
    person = org_selectors.person_for_user(request.user)
    rows = []
    if person is not None:
        unit_rows = selectors.unit_items(person.unit)
        may = has_perm(request.user, Perm.ASSESS_GOVERNANCE, person.unit)
        answered = selectors.answered_items(
            {r.item.pk: selectors.respondent_key(r.item, person) for r in unit_rows}
        )
        rows = [{"row": r, "answered": r.item.pk in answered, "may_assess": may} for r in unit_rows]
    return render(
        request,
        "governance/my_items.html",
        {
            "person": person,
            "page_obj": paginate(request, rows),
            "my_reviews": selectors.reviews_for_person(person) if person is not None else [],
        },
    )


@login_required
def kle_units(request):
    """The units tagged with a task area, suggested as the units an item binds (htmx)."""
    require_perm(request.user, Perm.VIEW_GOVERNANCE)
    number = (request.GET.get("kle") or "").strip().split(" ")[0]
    area = org_selectors.kle_by_number(number) if number else None
    units = kle.suggested_units(area.number) if area else []
    return render(request, "governance/_kle_units.html", {"area": area, "units": units})


# --- burden views ---------------------------------------------------------------


@login_required
def onion(request):
    require_perm(request.user, Perm.VIEW_GOVERNANCE)
    figures = selectors.onion()
    return render(
        request,
        "governance/onion.html",
        {
            **figures,
            "onion_spec": charts.onion_spec(figures["layers"]),
            "kind_spec": charts.burden_bars_spec(figures["kinds"], _("Kind")),
            "hourly_cost": settings.TILLID_HOURLY_COST_DKK,
            "areas": kle.onion_by_area(),
        },
    )


@login_required
def unit_page(request, unit_id: int):
    unit = get_object_or_404(org_selectors.active_units(), pk=unit_id)
    require_perm(request.user, Perm.VIEW_GOVERNANCE, unit)
    tree = selectors.current_tree()
    rows = selectors.unit_items(unit, tree)
    figures = selectors.onion(unit, rows)
    page = paginate(request, rows)
    children = list(org_selectors.child_units(unit))
    totals = selectors.unit_totals() if children else {}
    return render(
        request,
        "governance/unit.html",
        {
            "unit": unit,
            "ancestors": org_selectors.ancestors(unit),
            "headcount": tree.totals.get(unit.pk, 0),
            "page_obj": page,
            "rows": page.object_list,
            "total": figures["total"],
            "count": figures["count"],
            "layers": figures["layers"],
            "kinds": figures["kinds"],
            "onion_spec": charts.onion_spec(figures["layers"]),
            "children": [{"unit": c, "burden": totals.get(c.pk)} for c in children],
            "balance": selectors.balance(unit),
            "hourly_cost": settings.TILLID_HOURLY_COST_DKK,
        },
    )


@login_required
def ranking(request):
    require_perm(request.user, Perm.VIEW_GOVERNANCE)
    rows = selectors.ranking()
    return render(
        request,
        "governance/ranking.html",
        {"page_obj": paginate(request, rows), "k": settings.TILLID_ANONYMITY_MIN_GROUP},
    )


@login_required
def balance(request):
    require_perm(request.user, Perm.VIEW_GOVERNANCE)
    can_manage = can_manage_any(request.user)
    form = None
    if can_manage:
        form = BaselineForm(request.POST or None, initial={"baseline_on": selectors.baseline()})
        if request.method == "POST" and form.is_valid():
            try:
                services.set_baseline(
                    baseline_on=form.cleaned_data["baseline_on"], user=request.user
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, _("The baseline has been changed."))
                return redirect("governance:balance")
    elif request.method == "POST":
        raise Forbidden
    return render(
        request,
        "governance/balance.html",
        {"balance": selectors.balance(), "form": form},
    )


@login_required
def signals(request):
    require_perm(request.user, Perm.VIEW_GOVERNANCE)
    growth = selectors.growth_by_layer()
    return render(
        request,
        "governance/signals.html",
        {
            "growth": growth,
            "count_spec": charts.growth_spec(growth, "count") if growth else None,
            "hours_spec": charts.growth_spec(growth, "hours") if growth else None,
            "chains": selectors.deep_control_chains(),
            "duplicates": selectors.likely_duplicates(),
            "areas": selectors.added_since_last_review(),
        },
    )


# --- reviews ----------------------------------------------------------------------


@login_required
def review_list(request):
    require_perm(request.user, Perm.VIEW_GOVERNANCE)
    status = request.GET.get("status", "")
    valid = {"open", *ReviewStatus.values}
    status = status if status in valid else ""
    page = paginate(request, selectors.reviews(status=status))
    return render(
        request,
        "governance/review_list.html",
        {"page_obj": page, "status": status, "statuses": ReviewStatus.choices},
    )


@login_required
def review_open(request, item_id: int):
    item = _item_or_404(item_id)
    require(can_manage_item(request.user, item))
    form = ReviewOpenForm(request.POST or None, initial={"stake_groups": list(RoleGroup.values)})
    if request.method == "POST" and form.is_valid():
        try:
            review = services.open_review(item=item, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The review has been opened."))
            return redirect("governance:review", review.pk)
    return render(request, "governance/review_open.html", {"item": item, "form": form})


def _review_or_404(review_id: int) -> Review:
    return get_object_or_404(
        Review.objects.select_related("item").prefetch_related("participants"),
        pk=review_id,
    )


@login_required
def review_detail(request, review_id: int):
    require_perm(request.user, Perm.VIEW_GOVERNANCE)
    review = _review_or_404(review_id)
    can_manage = can_manage_item(request.user, review.item) and review.is_open
    person = org_selectors.person_for_user(request.user)
    participation = selectors.participation_of(review, person)
    may_contribute = (
        not can_manage
        and participation is not None
        and may_add_to_dialogue_log(request.user, review, person)
    )
    context = {
        "participation": participation,
        "contribution_form": ContributionForm(prefix="contribution") if may_contribute else None,
        "group_form": RoleGroupInviteForm(prefix="group") if can_manage else None,
        "review": review,
        "item": review.item,
        "involvement": selectors.involvement(review),
        "missing": selectors.missing_groups(review) if review.is_open else [],
        "participants": review.participants.all(),
        "notes": review.notes.select_related("author"),
        "history": selectors.history(review),
        "can_manage": can_manage,
        "participant_form": (
            ParticipantForm(prefix="participant", user=request.user) if can_manage else None
        ),
        "note_form": NoteForm(prefix="note") if can_manage else None,
        "reports": review.red_tape_reports.all(),
        "needs_escalation": selectors.needs_escalation(review.item),
        "burden": selectors.item_burden(review.item).burden,
    }
    return render(request, "governance/review_detail.html", context)


def _managed_open_review(request, review_id: int) -> Review:
    review = _review_or_404(review_id)
    require(can_manage_item(request.user, review.item))
    return review


@login_required
@require_POST
def review_participant(request, review_id: int):
    review = _managed_open_review(request, review_id)
    form = ParticipantForm(request.POST, prefix="participant", user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.add_participant(
                review=review,
                user=request.user,
                role_group=data["role_group"],
                name=data["name"],
                person=data["person"],
            )
        except ValidationError as error:
            message_errors(request, error)
        else:
            messages.success(request, _("The participant has been added."))
    else:
        message_errors(request, form)
    return redirect("governance:review", review.pk)


@login_required
@require_POST
def review_invite_group(request, review_id: int):
    review = _managed_open_review(request, review_id)
    form = RoleGroupInviteForm(request.POST, prefix="group")
    if form.is_valid():
        try:
            invited = services.invite_role_group(
                review=review,
                role=form.cleaned_data["role"],
                unit=form.cleaned_data["unit"],
                user=request.user,
                base_url=request.build_absolute_uri("/"),
            )
        except ValidationError as error:
            message_errors(request, error)
        else:
            if invited:
                messages.success(
                    request,
                    ngettext(
                        "%(n)s person has been invited and will get an e-mail.",
                        "%(n)s people have been invited and will get an e-mail.",
                        len(invited),
                    )
                    % {"n": number_format(len(invited), force_grouping=True)},
                )
            else:
                messages.info(request, _("Everyone in the group already takes part."))
    else:
        message_errors(request, form)
    return redirect("governance:review", review.pk)


@login_required
@require_POST
def review_contribute(request, review_id: int):
    """An invited MED/TR representative or politician adds to the dialogue log."""
    review = _review_or_404(review_id)
    person = org_selectors.person_for_user(request.user)
    require(may_add_to_dialogue_log(request.user, review, person))
    participation = selectors.participation_of(review, person)
    form = ContributionForm(request.POST, prefix="contribution")
    if form.is_valid():
        try:
            services.add_note(
                review=review,
                user=request.user,
                text=form.cleaned_data["text"],
                role_group=participation.role_group if participation else "",
            )
        except ValidationError as error:
            message_errors(request, error)
        else:
            messages.success(request, _("The note has been added to the dialogue log."))
    else:
        message_errors(request, form)
    return redirect("governance:review", review.pk)


@login_required
@require_POST
def review_note(request, review_id: int):
    review = _managed_open_review(request, review_id)
    form = NoteForm(request.POST, prefix="note")
    if form.is_valid():
        try:
            services.add_note(review=review, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            message_errors(request, error)
        else:
            messages.success(request, _("The note has been added to the dialogue log."))
    else:
        message_errors(request, form)
    return redirect("governance:review", review.pk)


@login_required
@require_POST
def review_advance(request, review_id: int):
    review = _managed_open_review(request, review_id)
    try:
        services.advance_review(review=review, user=request.user)
    except ValidationError as error:
        message_errors(request, error)
    else:
        messages.success(
            request,
            _("The review has moved on to: %(status)s") % {"status": review.get_status_display()},
        )
    return redirect("governance:review", review.pk)


@login_required
def review_decide(request, review_id: int):
    review = _managed_open_review(request, review_id)
    if not review.is_open:
        messages.error(request, _("The review has ended and can no longer be changed."))
        return redirect("governance:review", review.pk)
    form = DecisionForm(request.POST or None, initial={"decided_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.decide_review(review=review, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            review.refresh_from_db()
            if review.status == ReviewStatus.ESCALATED:
                messages.warning(
                    request,
                    _(
                        "Only a higher layer can remove this item. The review has been "
                        "escalated to: %(layer)s"
                    )
                    % {"layer": review.get_escalated_to_display()},
                )
            else:
                messages.success(request, _("The decision has been recorded."))
            return redirect("governance:review", review.pk)
    return render(
        request,
        "governance/review_decide.html",
        {
            "review": review,
            "item": review.item,
            "form": form,
            "missing": selectors.missing_groups(review),
            "needs_escalation": selectors.needs_escalation(review.item),
            "burden": selectors.item_burden(review.item).burden,
        },
    )


# --- red tape ------------------------------------------------------------------------


@login_required
def red_tape_new(request):
    require_perm(request.user, Perm.REPORT_RED_TAPE)
    initial = {}
    if request.GET.get("item", "").isdigit():
        item = Item.objects.filter(pk=request.GET["item"]).first()
        if item is not None:
            initial["item"] = item.reference
    form = RedTapeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            report, code = services.report_red_tape(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            return render(
                request,
                "governance/red_tape_thanks.html",
                {"report": report, "code": code},
            )
    return render(request, "governance/red_tape_form.html", {"form": form})


@login_required
def red_tape_mine(request):
    require_perm(request.user, Perm.REPORT_RED_TAPE)
    page = paginate(request, selectors.reports_of(request.user))
    return render(request, "governance/red_tape_mine.html", {"page_obj": page})


@login_required
def red_tape_follow_up(request):
    """Anyone logged in with the private code sees the report's status and answer.

    The code travels only in the form (a hidden field for the reply), never in
    the session: a session row holds the user's id, and nothing may link an
    anonymous report to its reporter.
    """
    require_perm(request.user, Perm.REPORT_RED_TAPE)
    report, reply_form, sent = None, None, False
    form = FollowUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        report = selectors.report_by_code_hash(services.code_hash(form.cleaned_data["code"]))
        if report is None:
            form.add_error("code", _("No report has that code. Check the code and try again."))
        elif "text" in request.POST:
            reply_form = ReplyForm(request.POST)
            if reply_form.is_valid():
                services.reply_to_report(report=report, text=reply_form.cleaned_data["text"])
                report.refresh_from_db()
                reply_form, sent = ReplyForm(), True
        else:
            reply_form = ReplyForm()
    return render(
        request,
        "governance/red_tape_follow_up.html",
        {"form": form, "report": report, "reply_form": reply_form, "sent": sent},
    )


@login_required
def red_tape_report_mine(request, report_id: int):
    report = get_object_or_404(RedTapeReport, pk=report_id, reporter=request.user)
    form = ReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.reply_to_report(report=report, text=form.cleaned_data["text"])
        messages.success(request, _("Your reply has been sent."))
        return redirect("governance:red_tape_report_mine", report.pk)
    return render(
        request, "governance/red_tape_report_mine.html", {"report": report, "reply_form": form}
    )


def _queue_scope(request):
    """(scope, handles): handlers see their scope and act; readers see everything, read-only."""
    user = request.user
    if has_perm_anywhere(user, Perm.HANDLE_RED_TAPE):
        return scope_for(user, Perm.HANDLE_RED_TAPE), True
    require(may_read_queue(user))
    return Scope(everything=True), False


@login_required
def queue(request):
    scope, handles = _queue_scope(request)
    status = request.GET.get("status", "")
    status = status if status in ReportStatus.values else ""
    reports = selectors.report_queue(scope=scope, status=status).select_related("assignee")
    # The late ones, for the Meningssamling: past the promise without an answer.
    late = request.GET.get("late") == "1"
    today = timezone.localdate()
    if late:
        reports = reports.filter(followup.late_q(today)).order_by("due_on", "pk")
    return render(
        request,
        "governance/queue.html",
        {
            "page_obj": paginate(request, reports),
            "status": status,
            "statuses": ReportStatus.choices,
            "late": late,
            "today": today,
            "promise_days": services.promise_days(),
            "handles": handles,
            "recommended": ReportStatus.RECOMMENDED,
        },
    )


def _queue_report_or_404(request, report_id: int):
    scope, handles = _queue_scope(request)
    report = get_object_or_404(selectors.report_queue(scope=scope), pk=report_id)
    return report, handles


@login_required
def queue_report(request, report_id: int):
    report, handles = _queue_report_or_404(request, report_id)
    form = None
    if handles:
        form = HandleReportForm(
            request.POST or None,
            initial={"status": report.status, "answer": report.answer, "item": report.item},
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.handle_report(report=report, **form.cleaned_data)
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, _("The report has been updated."))
                return redirect("governance:queue")
    elif request.method == "POST":
        raise Forbidden()
    open_review = (
        selectors.reviews(item=report.item, status="open").first() if report.item else None
    )
    return render(
        request,
        "governance/queue_report.html",
        {
            "report": report,
            "form": form,
            "handles": handles,
            "notes": report.notes.select_related("author"),
            "note_form": ReportNoteForm(prefix="note") if handles else None,
            "open_review": open_review,
            "may_open_review": (
                handles
                and report.item is not None
                and report.review_id is None
                and can_manage_item(request.user, report.item)
            ),
        },
    )


@login_required
@require_POST
def queue_note(request, report_id: int):
    report, handles = _queue_report_or_404(request, report_id)
    require(handles)
    form = ReportNoteForm(request.POST, prefix="note")
    if form.is_valid():
        try:
            services.add_report_note(
                report=report, text=form.cleaned_data["text"], user=request.user
            )
        except ValidationError as error:
            message_errors(request, error)
        else:
            messages.success(request, _("The internal note has been added."))
    else:
        message_errors(request, form)
    return redirect("governance:queue_report", report.pk)


@login_required
@require_POST
def queue_open_review(request, report_id: int):
    report, handles = _queue_report_or_404(request, report_id)
    require(handles and report.item is not None and can_manage_item(request.user, report.item))
    try:
        review = services.open_review_for_report(report=report, user=request.user)
    except ValidationError as error:
        message_errors(request, error)
        return redirect("governance:queue_report", report.pk)
    messages.success(request, _("The review has been opened and linked to the report."))
    return redirect("governance:review", review.pk)


# --- import and export ------------------------------------------------------------


@login_required
def import_register(request):
    require_perm(request.user, Perm.MANAGE_GOVERNANCE)
    require(scope_for(request.user, Perm.MANAGE_GOVERNANCE).everything)
    form = ImportForm(request.POST or None, request.FILES or None)
    errors, result = [], None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        result = register_file.import_register(
            filename=upload.name, content=upload.read(), user=request.user
        )
        if result.errors:
            errors = result.errors
            result = None
        else:
            report = result.report
            summary = _(
                "The register has been imported: %(created)s new, %(updated)s updated, "
                "%(unchanged)s unchanged."
            ) % {
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
            }
            if report.has_activities:
                summary += " " + _(
                    "Activities: %(added)s added, %(deleted)s deleted; the others are unchanged."
                ) % {"added": report.activities_added, "deleted": report.activities_deleted}
            messages.success(request, summary)
            return redirect("governance:register")
    return render(
        request,
        "governance/import.html",
        {
            "form": form,
            "errors": errors,
            "columns": register_file.COLUMNS,
            "activity_columns": register_file.ACTIVITY_COLUMNS,
            "activity_sheet": register_file.ACTIVITY_SHEET,
        },
    )


@login_required
def export_register(request, fmt: str):
    require_perm(request.user, Perm.VIEW_GOVERNANCE)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    stamp = timezone.localdate().isoformat()
    content = register_file.export_xlsx() if fmt == "xlsx" else register_file.export_csv()
    return file_response(content, f"styringsregister-{stamp}.{fmt}")


@login_required
def export_activities(request):
    """The items' current activities as CSV (the workbook export has them as a sheet)."""
    require_perm(request.user, Perm.VIEW_GOVERNANCE)
    stamp = timezone.localdate().isoformat()
    return file_response(
        register_file.export_activities_csv(), f"styringsregister-aktiviteter-{stamp}.csv"
    )


# --- the follow-up loop ----------------------------------------------------------------


@login_required
def queue_assign(request, report_id: int):
    """Choose who answers a red-tape report (within the promised time)."""
    require_perm(request.user, Perm.HANDLE_RED_TAPE)
    report = get_object_or_404(
        selectors.report_queue(scope=scope_for(request.user, Perm.HANDLE_RED_TAPE)),
        pk=report_id,
    )
    candidates = followup.handler_candidates(report)
    form = AssignReportForm(
        request.POST or None, candidates=candidates, initial={"assignee": report.assignee_id}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.assign_report(
                report=report, assignee=form.cleaned_data["assignee"], user=request.user
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The responsible has been saved."))
            return redirect("governance:queue_report", report.pk)
    return render(request, "governance/queue_assign.html", {"report": report, "form": form})


@login_required
def review_follow_up(request, review_id: int):
    """The follow-up on a decision (its verdict), or on an escalation (the answer)."""
    require_perm(request.user, Perm.VIEW_GOVERNANCE)
    review = _review_or_404(review_id)
    if not review.decided_on:
        raise Http404
    can_manage = can_manage_item(request.user, review.item)
    if request.method == "POST" and not can_manage:
        raise Forbidden
    escalated = review.status == ReviewStatus.ESCALATED
    form = None
    if can_manage:
        if escalated:
            form = EscalationAnswerForm(
                request.POST or None,
                initial={
                    "follow_up_on": review.follow_up_on,
                    "answer": review.escalation_answer or EscalationAnswer.WAITING,
                },
            )
        else:
            form = DecisionFollowUpForm(
                request.POST or None,
                initial={
                    "follow_up_on": review.follow_up_on,
                    "verdict": review.follow_up_verdict,
                    "note": review.follow_up_note,
                },
            )
    if request.method == "POST" and form.is_valid():
        try:
            if escalated:
                services.record_escalation_answer(
                    review=review, user=request.user, **form.cleaned_data
                )
            else:
                services.record_decision_follow_up(
                    review=review, user=request.user, **form.cleaned_data
                )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The follow-up has been saved."))
            return redirect("governance:review", review.pk)
    return render(
        request,
        "governance/review_follow_up.html",
        {
            "review": review,
            "item": review.item,
            "form": form,
            "escalated": escalated,
            "late": review.followed_up_on is None
            and review.follow_up_on is not None
            and review.follow_up_on < timezone.localdate(),
        },
    )
