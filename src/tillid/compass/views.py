import secrets

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from tillid.compass import (
    charts,
    exports,
    followup,
    followup_services,
    imports,
    reflection,
    selectors,
    services,
)
from tillid.compass.forms import (
    ActionCheckForm,
    ActionFormSet,
    ActionUpdateForm,
    AnonymityForm,
    CodeForm,
    MeetingForm,
    ResponseImportForm,
    RoundForm,
    answer_fields,
)
from tillid.compass.models import Delivery, DialogueAction, Invitation, Mailing, RoleGroup, Round
from tillid.core.anonymity import ALL
from tillid.core.viewkit import add_errors, file_response, message_errors, paginate, require
from tillid.core.views import DATABASE_DOWN
from tillid.organisation import selectors as org_selectors
from tillid.organisation.models import Unit
from tillid.organisation.permissions import (
    Perm,
    has_perm,
    has_perm_anywhere,
    require_perm,
    scope_for,
)
from tillid.organisation.unit_search import path_labels as unit_path_labels


def _base_url(request) -> str:
    return request.build_absolute_uri("/")


def _my_unit(user) -> Unit | None:
    person = org_selectors.person_for_user(user)
    return person.unit if person else None


# --- overview and rounds --------------------------------------------------------


@login_required
def index(request):
    require_perm(request.user, Perm.VIEW_SURVEY_RESULTS)
    scope = scope_for(request.user, Perm.VIEW_SURVEY_RESULTS)
    rounds = selectors.rounds_for(scope)
    page = paginate(request, rounds)
    my_unit = _my_unit(request.user)
    rows = []
    for round_ in page:
        unit = round_.root
        if not scope.contains(unit):
            unit = my_unit if my_unit and my_unit.is_within(round_.root) else None
        rows.append({"round": round_, "unit": unit})
    return render(
        request,
        "compass/index.html",
        {
            "page_obj": page,
            "rows": rows,
            "can_manage": has_perm_anywhere(request.user, Perm.MANAGE_SURVEYS),
        },
    )


@login_required
def round_new(request):
    require_perm(request.user, Perm.MANAGE_SURVEYS)
    services.ensure_default_instruments()
    units = Unit.objects.filter(is_active=True).filter(
        scope_for(request.user, Perm.MANAGE_SURVEYS).unit_q()
    )
    form = RoundForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        require_perm(request.user, Perm.MANAGE_SURVEYS, data["root"])
        try:
            round_ = services.open_round(
                created_by=request.user, base_url=_base_url(request), **data
            )
        except services.CompassError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "The round is created with %(n)s invitations. The e-mails are sent in the "
                    "background; follow them below."
                )
                % {"n": number_format(round_.invitations.count(), force_grouping=True)},
            )
            return redirect("compass:round", round_.pk)
    return render(request, "compass/round_form.html", {"form": form})


def _round_for_manager(request, round_id) -> Round:
    round_ = get_object_or_404(Round.objects.select_related("root", "instrument"), pk=round_id)
    require_perm(request.user, Perm.MANAGE_SURVEYS, round_.root)
    return round_


@login_required
def round_detail(request, round_id):
    round_ = get_object_or_404(Round.objects.select_related("root", "instrument"), pk=round_id)
    can_manage = has_perm(request.user, Perm.MANAGE_SURVEYS, round_.root)
    scope = scope_for(request.user, Perm.VIEW_SURVEY_RESULTS)
    require(can_manage or (not scope.nothing and _overlaps(scope, round_.root)))
    rows = [r for r in selectors.response_rates(round_) if can_manage or scope.contains(r.unit)]
    page = paginate(request, rows, per_page=50)
    responses = selectors.response_count(round_)
    results_unit = round_.root
    if not has_perm(request.user, Perm.VIEW_SURVEY_RESULTS, results_unit):
        mine = _my_unit(request.user)
        results_unit = mine if mine is not None and mine.is_within(round_.root) else None
    return render(
        request,
        "compass/round_detail.html",
        {
            "round": round_,
            "page_obj": page,
            "can_manage": can_manage,
            "results_unit": results_unit,
            "responses": responses,
            "locked": responses > 0,
            **(_delivery_context(round_) if can_manage else {}),
            "anonymity_form": AnonymityForm(
                initial={
                    "min_group": round_.min_group,
                    "min_comment_group": round_.min_comment_group,
                }
            ),
        },
    )


def _overlaps(scope, unit: Unit) -> bool:
    return scope.everything or any(
        unit.path.startswith(p) or p.startswith(unit.path) for p in scope.paths
    )


@login_required
@require_POST
def round_reminders(request, round_id):
    round_ = _round_for_manager(request, round_id)
    try:
        mailing = services.send_reminders(
            round_=round_, base_url=_base_url(request), created_by=request.user
        )
    except services.CompassError as exc:
        message_errors(request, exc)
    else:
        messages.success(
            request,
            _("Reminders are being sent to %(n)s people who have not answered.")
            % {"n": number_format(mailing.total, force_grouping=True)},
        )
    return redirect("compass:round", round_.pk)


# --- sending e-mail: progress and failures ---------------------------------------------


def _delivery_context(round_: Round) -> dict:
    """How the round's invitations went out, and the mailing under way, if any."""
    counts = dict(
        Invitation.objects.filter(round=round_)
        .values_list("delivery")
        .annotate(n=Count("pk"))
        .values_list("delivery", "n")
    )
    mailings = Mailing.objects.filter(round=round_)
    return {
        "delivery": [
            {"value": value, "label": label, "n": counts.get(value, 0)}
            for value, label in Delivery.choices
        ],
        "failed_count": counts.get(Delivery.FAILED, 0),
        "active_mailing": mailings.filter(finished=False).order_by("created_at", "pk").first(),
        "last_mailing": mailings.filter(finished=True).first(),
    }


@login_required
def round_mailing(request, round_id):
    """The sending status on the round page, polled by htmx while e-mails go out."""
    round_ = _round_for_manager(request, round_id)
    return render(
        request, "compass/_mailing_status.html", {"round": round_, **_delivery_context(round_)}
    )


@login_required
def round_failures(request, round_id):
    round_ = _round_for_manager(request, round_id)
    failed = (
        Invitation.objects.filter(round=round_, delivery=Delivery.FAILED)
        .select_related("person", "unit")
        .order_by("unit__name", "person__name", "pk")
    )
    query = request.GET.get("q", "").strip()
    if query:
        failed = failed.filter(Q(person__name__icontains=query) | Q(person__email__icontains=query))
    page = Paginator(failed, settings.TILLID_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "compass/failures.html", {"round": round_, "page_obj": page, "query": query}
    )


def _chosen(request) -> list[int] | None:
    """The invitations ticked on the failures page, or None for all of them."""
    if request.POST.get("scope") == "all":
        return None
    return [int(v) for v in request.POST.getlist("invitation") if v.isdigit()]


@login_required
@require_POST
def round_resend(request, round_id):
    round_ = _round_for_manager(request, round_id)
    try:
        mailing = services.resend_failed(
            round_=round_,
            invitation_ids=_chosen(request),
            base_url=_base_url(request),
            created_by=request.user,
        )
    except services.CompassError as exc:
        messages.error(request, str(exc))
        return redirect("compass:round_failures", round_.pk)
    messages.success(
        request,
        _("%(n)s invitations are being sent again.")
        % {"n": number_format(mailing.total, force_grouping=True)},
    )
    return redirect("compass:round", round_.pk)


@login_required
@require_POST
def round_failed_letters(request, round_id):
    round_ = _round_for_manager(request, round_id)
    try:
        letters = services.letters_for_failed(round_=round_, invitation_ids=_chosen(request))
    except services.CompassError as exc:
        messages.error(request, str(exc))
        return redirect("compass:round_failures", round_.pk)
    return _letters_page(request, round_, letters)


def qr_code_svg(url: str) -> str:
    """The personal answer link as an inline SVG QR code for a printed letter."""
    # Medium error correction survives a crumpled or smudged letter.
    svg = segno.make(url, error="m").svg_inline(scale=4, title=_("QR code with your personal link"))
    return mark_safe(svg)


@login_required
@require_POST
def round_letters(request, round_id):
    round_ = _round_for_manager(request, round_id)
    try:
        letters = services.issue_letters(round_=round_)
    except services.CompassError as exc:
        message_errors(request, exc)
        return redirect("compass:round", round_.pk)
    return _letters_page(request, round_, letters)


def _letters_page(request, round_: Round, letters: list) -> HttpResponse:
    base = _base_url(request)
    paths = unit_path_labels([letter.unit for letter in letters])
    for letter in letters:
        letter.unit_path = paths.get(letter.unit.pk, letter.unit.name)
        letter.url = services.answer_url(base, letter.token)
        letter.qr_svg = qr_code_svg(letter.url)
    response = render(
        request,
        "compass/letters.html",
        {
            "round": round_,
            "letters": letters,
            "municipality": settings.TILLID_MUNICIPALITY_NAME,
            "contact": round_.contact,
            "start_url": base.rstrip("/") + "/tillidskompas/svar/",
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def round_anonymity(request, round_id):
    round_ = _round_for_manager(request, round_id)
    form = AnonymityForm(request.POST)
    if form.is_valid():
        try:
            services.update_anonymity(round_=round_, **form.cleaned_data)
        except services.CompassError as exc:
            message_errors(request, exc)
        else:
            messages.success(request, _("The anonymity settings are saved."))
    else:
        message_errors(request, form)
    return redirect("compass:round", round_.pk)


@login_required
@require_POST
def round_close(request, round_id):
    round_ = _round_for_manager(request, round_id)
    services.close_round(round_=round_)
    messages.success(request, _("The round is closed."))
    return redirect("compass:round", round_.pk)


@login_required
def round_reliability(request, round_id):
    round_ = get_object_or_404(Round.objects.select_related("root", "instrument"), pk=round_id)
    require_perm(request.user, Perm.VIEW_SURVEY_RESULTS, round_.root)
    report = selectors.reliability_report(round_) if round_.is_closed else None
    names = selectors.dimension_names(round_)
    rows = []
    if report:
        for code, rel in report["dimensions"].items():
            row = {"code": code, "name": names.get(code, (code, ""))[0], "rel": rel}
            if rel:
                defined = {k: r for k, r in rel["item_rest"].items() if r is not None}
                if defined:
                    row["min_item"], row["min_r"] = min(defined.items(), key=lambda kv: kv[1])
            rows.append(row)
    return render(
        request, "compass/reliability.html", {"round": round_, "report": report, "rows": rows}
    )


# --- a person's own invitations (logged in) ------------------------------------------

# Comments on a results page, a page at a time.
COMMENTS_PER_PAGE = 50

_NEW_CODE_SESSION = "compass-new-code-%s"


@login_required
@never_cache
def mine(request):
    """The open rounds the logged-in person is invited to, with a new link on request."""
    person = org_selectors.person_for_user(request.user)
    invitations = services.open_invitations_for(person)
    return render(
        request,
        "compass/mine.html",
        {
            "person": person,
            "invitations": invitations,
            "has_email": bool(person and person.email),
            "nonce": secrets.token_urlsafe(24),
        },
    )


@login_required
@require_POST
def new_link(request, round_id):
    person = org_selectors.person_for_user(request.user)
    if person is None:
        raise Http404
    by_email = request.POST.get("how") == "email"
    try:
        link = services.request_new_link(
            person=person,
            round_id=round_id,
            nonce=request.POST.get("nonce", ""),
            by_email=by_email,
            base_url=_base_url(request),
        )
    except services.RequestAlreadyHandled:
        # A double submit: the first one did the work (and, for a code, kept it below).
        if not by_email:
            return redirect("compass:new_code", round_id)
        messages.success(request, _("A new link is on its way to your e-mail address."))
        return redirect("compass:mine")
    except services.CompassError as exc:
        messages.error(request, str(exc))
        return redirect("compass:mine")
    if link.token is None:
        messages.success(
            request,
            _(
                "A new link is on its way to your e-mail address. The link you had before "
                "stops working when it arrives."
            ),
        )
        return redirect("compass:mine")
    # Kept only in the person's own session, to show it again on a reload.
    request.session[_NEW_CODE_SESSION % round_id] = link.token
    return redirect("compass:new_code", round_id)


@login_required
@never_cache
def new_code(request, round_id):
    token = request.session.get(_NEW_CODE_SESSION % round_id)
    if not token:
        return redirect("compass:mine")
    round_ = get_object_or_404(Round, pk=round_id)
    response = render(
        request,
        "compass/new_code.html",
        {
            "round": round_,
            "code": services.format_code(token),
            "url": reverse("compass:answer", args=[token]),
        },
    )
    response["Referrer-Policy"] = "same-origin"
    return response


# --- answering (no login) ----------------------------------------------------------


@never_cache
def answer_start(request):
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = services.normalise_token(form.cleaned_data["code"])
        try:
            services.invitation_for_token(token)
        except services.CompassError as exc:
            form.add_error("code", str(exc))
        else:
            return redirect("compass:answer", token)
    return render(request, "compass/answer_start.html", {"form": form})


def _link_closed(request, exc: "services.CompassError"):
    status = 410 if isinstance(exc, services.LinkUsed | services.RoundNotOpen) else 404
    return render(request, "compass/answer_closed.html", {"message": str(exc)}, status=status)


def _answer_not_stored(request, token: str) -> HttpResponse:
    """The database did not answer: say so, and keep the answers for a second try.

    Made without the database: the answers go back into a form that posts
    them again (the draft on the device is kept too).
    """
    fields = [(k, v) for k, v in request.POST.items() if k.startswith("q_") or k == "comment"]
    html = render_to_string(
        "compass/answer_retry.html",
        {"fields": fields, "csrf_token": get_token(request), "action": request.path},
    )
    response = HttpResponse(html, status=503)
    response["Retry-After"] = "5"
    response["Referrer-Policy"] = "same-origin"
    return response


@never_cache
def answer(request, token):
    """The questionnaire, one family of dimensions per page.

    Every page posts all answers so far (the other pages' as hidden fields),
    so nothing is stored on the server until the last page sends them all in
    one transaction; the draft on the device keeps them across reloads. A post
    without `go` (the retry page) sends at once.
    """
    error = None
    index = 0
    raw = {k[2:]: v for k, v in request.POST.items() if k.startswith("q_")}
    go = request.POST.get("go", "send") if request.method == "POST" else ""
    if go == "send":
        try:
            # The service looks the link up, checks it and stores the answers in one go.
            response = services.submit_response(
                token=token, answers=raw, comment=request.POST.get("comment", "")
            )
        except DATABASE_DOWN:
            # One transaction: nothing of this answer was stored.
            return _answer_not_stored(request, token)
        except (services.LinkUnknown, services.LinkUsed, services.RoundNotOpen) as exc:
            return _link_closed(request, exc)
        except services.CompassError as exc:
            error = str(exc)  # a bad answer: shown on its page below
        else:
            # Post/redirect/get: reloading the thank-you page never sends the answers again.
            thanks = redirect("compass:answer_thanks", services.thanks_key(response.round_id))
            thanks.status_code = 303  # See Other: the browser fetches the page with GET
            return thanks
    try:
        inv = services.invitation_for_token(token)
        services.check_answerable(inv)
    except services.CompassError as exc:
        return _link_closed(request, exc)
    spec = services.instrument_spec(inv)
    pages = selectors.answer_pages(spec)
    if request.method == "POST":
        try:
            index = min(max(int(request.POST.get("page", "0")), 0), len(pages) - 1)
        except ValueError:
            index = 0
    if go in ("next", "back"):
        try:
            services.clean_answers(spec, {c: raw[c] for c in pages[index].codes if c in raw})
        except services.CompassError as exc:
            error = str(exc)  # stays on the page it belongs to
        else:
            index = min(max(index + (1 if go == "next" else -1), 0), len(pages) - 1)
    elif error:
        index = _page_with_error(spec, pages, raw, default=len(pages) - 1)
    instrument = inv.round.instrument
    questions, _raw = answer_fields(instrument, request.POST if request.method == "POST" else None)
    page = pages[index]
    numbers = {q["code"]: n for n, q in enumerate(questions, start=1)}
    comment_question = (instrument.source.get("comment_question") or {}).get(
        "en" if request.LANGUAGE_CODE.startswith("en") else "da"
    )
    response = render(
        request,
        "compass/answer.html",
        {
            "round": inv.round,
            "instrument": instrument,
            "questions": [
                dict(q, number=numbers[q["code"]]) for q in questions if q["code"] in page.codes
            ],
            "carried": [q for q in questions if q["code"] not in page.codes],
            "page": page,
            "page_index": index,
            "page_count": len(pages),
            "is_first": index == 0,
            "is_last": index == len(pages) - 1,
            "comment_question": comment_question,
            "comment": request.POST.get("comment", ""),
            "draft_key": "tillid-kompas-" + services.token_hash(token)[:20],
            "error": error,
        },
    )
    # The token is in the URL: never send it to other sites. (Not "no-referrer":
    # that makes the browser send Origin: null, which fails the CSRF check.)
    response["Referrer-Policy"] = "same-origin"
    return response


def _page_with_error(spec, pages, raw: dict, *, default: int) -> int:
    """The first page whose answers the service refuses."""
    for index, page in enumerate(pages):
        try:
            services.clean_answers(spec, {c: raw[c] for c in page.codes if c in raw})
        except services.CompassError:
            return index
    return default


@never_cache
def answer_thanks(request, key):
    try:
        round_ = services.round_for_thanks_key(key)
    except services.CompassError as exc:
        return _link_closed(request, exc)
    return render(request, "compass/answer_thanks.html", {"round": round_})


# --- results -------------------------------------------------------------------------


def _results_context(request, round_: Round, unit: Unit) -> dict:
    if not round_.is_closed:
        # No figures at all while answers still come in: day-to-day changes
        # would single out the latest respondents.
        return {"round": round_, "unit": unit, "rows": [], "visible": False, "elements_chart": None}
    results = selectors.round_results(round_)
    previous_round = selectors.previous_round(round_, unit)
    previous = selectors.round_results(previous_round) if previous_round else None
    rows = selectors.unit_view(results, unit, previous)
    assessment = selectors.visible_self_assessment(round_, unit, request.user)
    if assessment is not None:
        own = selectors.self_assessment_scores(assessment)
        for row in rows:
            row.self_assessment = own.get(row.code)
    compass_rows = selectors.compass_elements(rows)
    strongest, weakest = selectors.strongest_and_weakest(rows)
    weakest_two = sorted(
        (r for r in compass_rows if r.score is not None), key=lambda r: r.score.mean
    )[:2]
    elements_chart = charts.elements_spec(
        charts.element_values(compass_rows), title=_("The four elements of the trust compass")
    )
    n = results.count(unit.pk)
    return {
        "round": round_,
        "unit": unit,
        "results": results,
        "n": n,
        "k": round_.min_group,
        "left_out": results.left_out if unit.pk == round_.root_id else 0,
        "visible": results.is_visible(unit.pk),
        "rows": rows,
        "compass_rows": compass_rows,
        "other_rows": [r for r in rows if r.family != "compass"],
        "strongest": strongest,
        "weakest": weakest,
        "reflection": [{"row": r, "ways": reflection.ways_for(r.code)} for r in weakest_two],
        "elements_chart": elements_chart,
        "children": selectors.child_rows(results, unit),
        "compass_names": [r.name for r in compass_rows],
        "comments": selectors.comments_for(results, unit) if round_.is_closed else [],
        "comments_allowed": results.comments_visible(unit.pk),
        "previous_round": previous_round,
        "assessment": assessment,
        "is_own_assessment": assessment is not None and assessment.user_id == request.user.pk,
        "role_groups": [
            (RoleGroup.LEADER.label, results.count(unit.pk, RoleGroup.LEADER)),
            (RoleGroup.EMPLOYEE.label, results.count(unit.pk, RoleGroup.EMPLOYEE)),
        ],
        "all_group": ALL,
    }


def _round_and_unit(request, round_id, unit_id) -> tuple[Round, Unit]:
    round_ = get_object_or_404(
        Round.objects.select_related("root", "instrument", "leader_instrument"), pk=round_id
    )
    unit = get_object_or_404(Unit, pk=unit_id)
    if not unit.is_within(round_.root):
        raise Http404
    require_perm(request.user, Perm.VIEW_SURVEY_RESULTS, unit)
    return round_, unit


@login_required
def results(request, round_id, unit_id):
    round_, unit = _round_and_unit(request, round_id, unit_id)
    context = _results_context(request, round_, unit)
    # The page shows the comments a page at a time (a forvaltning can have thousands).
    context["comments_page"] = paginate(
        request, context.get("comments", []), per_page=COMMENTS_PER_PAGE
    )
    context["ancestors"] = [a for a in org_selectors.ancestors(unit) if a.is_within(round_.root)]
    context["can_record"] = has_perm(request.user, Perm.RECORD_DIALOGUE, unit)
    context["can_self_assess"] = (
        round_.leader_instrument_id is not None
        and context["can_record"]
        and _my_unit(request.user) == unit
    )
    return render(request, "compass/results.html", context)


@login_required
def results_pdf(request, round_id, unit_id):
    round_, unit = _round_and_unit(request, round_id, unit_id)
    context = _results_context(request, round_, unit)
    pdf = exports.unit_pdf(request, context)
    return file_response(pdf, f"tillidskompas-{round_.pk}-{unit.pk}.pdf")


@login_required
def results_xlsx(request, round_id, unit_id):
    round_, unit = _round_and_unit(request, round_id, unit_id)
    results_ = selectors.round_results(round_)
    content = exports.results_xlsx(results_, unit)
    return file_response(content, f"tillidskompas-{round_.pk}-{unit.pk}.xlsx")


@login_required
def self_assessment(request, round_id, unit_id):
    round_, unit = _round_and_unit(request, round_id, unit_id)
    require_perm(request.user, Perm.RECORD_DIALOGUE, unit)
    require(round_.leader_instrument is not None and _my_unit(request.user) == unit)
    existing = round_.self_assessments.filter(unit=unit, user=request.user).first()
    error = None
    if request.method == "POST":
        questions, raw = answer_fields(round_.leader_instrument, request.POST)
        try:
            services.save_self_assessment(
                round_=round_,
                unit=unit,
                user=request.user,
                answers=raw,
                shared=request.POST.get("shared") == "on",
            )
        except services.CompassError as exc:
            error = str(exc)
        else:
            messages.success(request, _("Your self-assessment is saved."))
            return redirect("compass:results", round_.pk, unit.pk)
    else:
        data = {f"q_{k}": str(v) for k, v in (existing.answers if existing else {}).items()}
        questions, _raw = answer_fields(round_.leader_instrument, data)
    return render(
        request,
        "compass/self_assessment.html",
        {
            "round": round_,
            "unit": unit,
            "questions": questions,
            "shared": existing.shared if existing else False,
            "error": error,
        },
    )


# --- dialogue --------------------------------------------------------------------------


@login_required
def dialogue(request, unit_id):
    unit = get_object_or_404(Unit, pk=unit_id)
    require_perm(request.user, Perm.VIEW_SURVEY_RESULTS, unit)
    meetings = selectors.meetings_for(unit)
    page = paginate(request, meetings)
    return render(
        request,
        "compass/dialogue.html",
        {
            "unit": unit,
            "page_obj": page,
            "actions": [
                (action, followup.check_due_on(action)) for action in selectors.open_actions(unit)
            ],
            "can_record": has_perm(request.user, Perm.RECORD_DIALOGUE, unit),
            "status_form": ActionUpdateForm,
            "today": timezone.localdate(),
        },
    )


@login_required
def meeting_new(request, unit_id):
    unit = get_object_or_404(Unit, pk=unit_id)
    require_perm(request.user, Perm.RECORD_DIALOGUE, unit)
    round_ = None
    if request.GET.get("runde") or request.POST.get("round"):
        round_ = Round.objects.filter(
            pk=request.GET.get("runde") or request.POST.get("round")
        ).first()
    form = MeetingForm(request.POST or None)
    formset = ActionFormSet(request.POST or None, prefix="actions")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        actions = [
            services.ActionInput(title=f["title"], owner=f["owner"], due_on=f["due_on"])
            for f in (x.cleaned_data for x in formset)
            if f.get("title")
        ]
        try:
            services.record_meeting(
                unit=unit,
                round_=round_,
                created_by=request.user,
                actions=actions,
                **form.cleaned_data,
            )
        except services.CompassError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The dialogue meeting is recorded."))
            return redirect("compass:dialogue", unit.pk)
    return render(
        request,
        "compass/meeting_form.html",
        {"unit": unit, "form": form, "formset": formset, "round": round_},
    )


@login_required
@require_POST
def action_update(request, action_id):
    action = get_object_or_404(DialogueAction.objects.select_related("meeting__unit"), pk=action_id)
    unit = action.meeting.unit
    require_perm(request.user, Perm.RECORD_DIALOGUE, unit)
    form = ActionUpdateForm(request.POST)
    if form.is_valid():
        followup_services.set_action_status(action=action, **form.cleaned_data)
        messages.success(request, _("The action is updated."))
    else:
        messages.error(request, _("Choose a valid status."))
    return redirect("compass:dialogue", unit.pk)


# --- import of past responses -------------------------------------------------------------


@login_required
def import_responses(request):
    require_perm(request.user, Perm.MANAGE_SURVEYS)
    services.ensure_default_instruments()
    units = Unit.objects.filter(is_active=True).filter(
        scope_for(request.user, Perm.MANAGE_SURVEYS).unit_q()
    )
    form = ResponseImportForm(request.POST or None, request.FILES or None, units=units)
    errors = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        require_perm(request.user, Perm.MANAGE_SURVEYS, data["root"])
        upload = data["file"]
        result = imports.import_responses(
            instrument=data["instrument"],
            name=data["name"],
            root=data["root"],
            closes_on=data["closes_on"],
            filename=upload.name,
            content=upload.read(),
            created_by=request.user,
        )
        if result.errors:
            errors = result.errors
        else:
            messages.success(
                request,
                _("%(n)s responses were imported into the round %(name)s.")
                % {
                    "n": number_format(result.report.count, force_grouping=True),
                    "name": result.report.round.name,
                },
            )
            return redirect("compass:round", result.report.round.pk)
    return render(request, "compass/import.html", {"form": form, "errors": errors})


# --- the follow-up loop: the check of each action, and the dialogue after a round --------


@login_required
def action_check(request, action_id):
    """Some time after the meeting: did the action work, for the leader and for the team?"""
    action = get_object_or_404(
        DialogueAction.objects.select_related("meeting__unit", "meeting__round"), pk=action_id
    )
    unit = action.meeting.unit
    require_perm(request.user, Perm.RECORD_DIALOGUE, unit)
    if not followup.needs_check(action):
        messages.error(request, _("The action was dropped; there is nothing to check."))
        return redirect("compass:dialogue", unit.pk)
    form = ActionCheckForm(
        request.POST or None,
        initial={
            "leader_verdict": action.leader_verdict,
            "team_verdict": action.team_verdict,
            "note": action.check_note,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            followup_services.record_action_check(
                action=action, user=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            for name, errors in error.error_dict.items():
                for message in errors:
                    form.add_error(name, message)
        else:
            messages.success(request, _("The check is recorded."))
            return redirect("compass:dialogue", unit.pk)
    return render(
        request,
        "compass/action_check.html",
        {"action": action, "unit": unit, "form": form, "check_due": followup.check_due_on(action)},
    )


@login_required
def dialogue_followup(request):
    """Per unit: the dialogue meeting after the last round, and the actions and checks due."""
    require_perm(request.user, Perm.VIEW_SURVEY_RESULTS)
    scope = scope_for(request.user, Perm.VIEW_SURVEY_RESULTS)
    unit = None
    if request.GET.get("enhed", "").isdigit():
        unit = get_object_or_404(Unit, pk=request.GET["enhed"], is_active=True)
        require_perm(request.user, Perm.VIEW_SURVEY_RESULTS, unit)
    today = timezone.localdate()
    show = "handlinger" if request.GET.get("vis") == "handlinger" else "moeder"

    def visible(path: str) -> bool:
        return (unit is None or path.startswith(unit.path)) and (
            scope.everything or any(path.startswith(p) for p in scope.paths)
        )

    if show == "moeder":
        rows = [d for d in followup.latest_dialogues(today) if visible(d.unit.path)]
    else:
        rows = [
            {"action": a, "check_due": followup.check_due_on(a)}
            for a in followup.actions_to_follow()
            if visible(a.meeting.unit.path)
        ]
    page = Paginator(rows, settings.TILLID_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "compass/followup.html",
        {"unit": unit, "page_obj": page, "show": show, "today": today},
    )
