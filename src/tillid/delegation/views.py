import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tillid.core.errors import Forbidden
from tillid.core.viewkit import add_errors, file_response, paginate, require
from tillid.delegation import access, charts, exports, selectors, services
from tillid.delegation.access import Subject
from tillid.delegation.forms import (
    CAUSE_FIELDS,
    REPAIR_FIELDS,
    BreachForm,
    DosingForm,
    RepairForm,
    SearchForm,
)
from tillid.delegation.ladder import GUIDANCE, PRECONDITIONS, Step, suggest_step
from tillid.delegation.models import Breach, Dosing, ReadKind
from tillid.organisation.models import Person, Role, Unit
from tillid.organisation.permissions import Perm, has_perm_anywhere, roles_of


def _subject_url(subject: Subject) -> str:
    if subject.person is not None:
        return reverse("delegation:person", args=[subject.person.pk])
    return reverse("delegation:team", args=[subject.team.pk])


def _subject_of(record: Dosing) -> Subject:
    if record.subject_person_id:
        return Subject(person=record.subject_person)
    if record.subject_unit_id:
        return Subject(team=record.subject_unit)
    raise Forbidden  # anonymised: nobody reads it as a record any more


def _is_hr(user) -> bool:
    return Role.HR in roles_of(user) and has_perm_anywhere(user, Perm.VIEW_DELEGATION_RECORDS)


@login_required
def home(request):
    person = access.person_of(request.user)
    can_manage = has_perm_anywhere(request.user, Perm.MANAGE_DELEGATION)
    is_hr = _is_hr(request.user)
    require(can_manage or is_hr or person is not None)
    context = {"person": person, "can_manage": can_manage, "is_hr": is_hr}
    form = SearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    context["form"] = form
    if can_manage or is_hr:
        if can_manage:
            people = selectors.overview(request.user, query=query)
        else:
            people = selectors.hr_people(request.user, query=query)
        page = paginate(request, people)
        latest = selectors.latest_steps(list(page))
        context["page_obj"] = page
        context["rows"] = [{"person": p, "latest": latest.get(p.pk)} for p in page]
    if can_manage:
        horizon = timezone.localdate() + dt.timedelta(days=30)
        context["reviews_due"] = list(selectors.reviews_due(request.user, before=horizon)[:20])
        context["open_breaches"] = list(selectors.open_breaches(request.user)[:20])
        context["teams"] = list(selectors.managed_teams(request.user)[:50])
    return render(request, "delegation/home.html", context)


@login_required
def mine(request):
    person = access.person_of(request.user)
    require(person is not None)
    team = Subject(team=person.unit)
    extra = {}
    if access.can_read_dosings(request.user, team):
        # The mandate the person's own team has been given: its dosings, never its breaches.
        team_dosings = list(selectors.dosings_for(team))
        services.log_reads(
            reader=request.user, kind=ReadKind.DOSING, records=team_dosings, subject=team
        )
        extra = {
            "team": team.team,
            "team_current": selectors.current_by_task(team_dosings),
            "team_history": team_dosings[::-1],
        }
    return _records_page(request, Subject(person=person), extra)


def _records_page(request, subject: Subject, extra: dict | None = None):
    require(access.can_read(request.user, subject))
    dosings = list(selectors.dosings_for(subject))
    breaches = list(selectors.breaches_for(subject))
    services.log_reads(reader=request.user, kind=ReadKind.DOSING, records=dosings, subject=subject)
    services.log_reads(reader=request.user, kind=ReadKind.BREACH, records=breaches, subject=subject)
    can_manage = access.can_manage(request.user, subject)
    show_log = access.can_see_read_log(request.user, subject)
    latest = dosings[-1] if dosings else None
    trust_test_query = {"task": latest.task, "step_from": latest.chosen_step} if latest else {}
    if subject.person is not None:
        trust_test_query["person"] = subject.person.pk
    else:
        trust_test_query["team"] = subject.team.pk
    context = {
        "subject": subject,
        "is_self": access.is_self(request.user, subject),
        "can_manage": can_manage,
        "can_export": access.can_export(request.user, subject),
        "history": selectors.history(subject),
        "dosings": dosings,
        "breaches": breaches,
        "chart_spec": charts.chart_spec(subject),
        "new_dosing_url": reverse("delegation:dosing_new")
        + "?"
        + urlencode({"person": subject.person.pk} if subject.person else {"team": subject.team.pk}),
        "trust_test_url": reverse("trials:trust_test_new") + "?" + urlencode(trust_test_query),
        "read_log": paginate(request, selectors.read_log(subject)) if show_log else None,
        **(extra or {}),
    }
    if show_log:
        context["page_obj"] = context["read_log"]
    return render(request, "delegation/records.html", context)


@login_required
def person_records(request, person_id: int):
    person = get_object_or_404(Person.objects.select_related("unit"), pk=person_id)
    return _records_page(request, Subject(person=person))


@login_required
def team_records(request, unit_id: int):
    unit = get_object_or_404(Unit, pk=unit_id, is_active=True)
    return _records_page(request, Subject(team=unit))


def _subject_from_query(request) -> Subject:
    person_id, team_id = request.GET.get("person", ""), request.GET.get("team", "")
    if person_id.isdigit():
        return Subject(
            person=get_object_or_404(Person.objects.select_related("unit"), pk=person_id)
        )
    if team_id.isdigit():
        return Subject(team=get_object_or_404(Unit, pk=team_id, is_active=True))
    raise Forbidden


def _suggestion_context(data: dict) -> dict:
    try:
        suggestion = suggest_step(
            competence=data["competence"],
            intention=data["intention"],
            resources=data["resources"],
            consequence=data["consequence"],
            reversibility=data["reversibility"],
        )
    except (KeyError, TypeError, ValueError):
        return {}
    return {"suggestion": suggestion}


@login_required
def dosing_new(request):
    breach = None
    if request.GET.get("breach", "").isdigit():
        breach = get_object_or_404(
            Breach.objects.select_related("dosing__subject_person__unit", "dosing__subject_unit"),
            pk=request.GET["breach"],
            anonymised_at__isnull=True,
        )
        subject = _subject_of(breach.dosing)
    else:
        subject = _subject_from_query(request)
    require(access.can_manage(request.user, subject))
    previous = selectors.latest_dosing(subject, breach.dosing.task if breach else None)
    context = {"subject": subject, "breach": breach, "guidance": GUIDANCE}
    if request.method == "POST":
        form = DosingForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            context.update(_suggestion_context(data))
            if data["chosen_step"] is None:
                # First round: show the suggestion and let the leader choose.
                form = DosingForm(initial={**data, "chosen_step": context["suggestion"].step})
                context["choose_now"] = True
            else:
                try:
                    dosing = services.record_dosing(
                        subject=subject,
                        task=data["task"],
                        competence=data["competence"],
                        intention=data["intention"],
                        resources=data["resources"],
                        consequence=data["consequence"],
                        reversibility=data["reversibility"],
                        chosen_step=data["chosen_step"],
                        reason=data["reason"],
                        review_on=data["review_on"],
                        decided_by=request.user,
                        previous=previous,
                        breach=breach,
                    )
                except ValidationError as error:
                    add_errors(form, error)
                else:
                    messages.success(
                        request,
                        _("The dosing has been saved: %(step)s.")
                        % {"step": Step(dosing.chosen_step).label},
                    )
                    return redirect(_subject_url(subject))
        else:
            context.update(_suggestion_context(getattr(form, "cleaned_data", {})))
            context["choose_now"] = form.data.get("chosen_step") not in (None, "")
    else:
        initial = {}
        if previous is not None:
            initial = {
                f: getattr(previous, f)
                for f in (
                    "task",
                    "competence",
                    "intention",
                    "resources",
                    "consequence",
                    "reversibility",
                )
            }
        form = DosingForm(initial=initial)
    context["form"] = form
    context["previous"] = previous
    shown = [r for r in (previous,) if r is not None]
    services.log_reads(reader=request.user, kind=ReadKind.DOSING, records=shown, subject=subject)
    if breach is not None:
        services.log_reads(
            reader=request.user, kind=ReadKind.BREACH, records=[breach], subject=subject
        )
    return render(request, "delegation/dosing_form.html", context)


@login_required
@require_POST
def suggestion(request):
    """The suggestion for the ratings typed so far (an htmx fragment)."""
    require(has_perm_anywhere(request.user, Perm.MANAGE_DELEGATION))
    form = DosingForm(request.POST)
    form.is_valid()
    context = _suggestion_context(getattr(form, "cleaned_data", {}))
    return render(request, "delegation/_suggestion.html", context)


@login_required
def dosing_detail(request, dosing_id: int):
    dosing = get_object_or_404(
        Dosing.objects.select_related("subject_person__unit", "subject_unit", "decided_by"),
        pk=dosing_id,
        anonymised_at__isnull=True,
    )
    subject = _subject_of(dosing)
    require(access.can_read_dosings(request.user, subject))
    # A team member reads the team's dosing, not the breaches recorded against it.
    full_reader = access.can_read(request.user, subject)
    services.log_reads(reader=request.user, kind=ReadKind.DOSING, records=[dosing], subject=subject)
    suggestion_now = suggest_step(
        competence=dosing.competence,
        intention=dosing.intention,
        resources=dosing.resources,
        consequence=dosing.consequence,
        reversibility=dosing.reversibility,
    )
    return render(
        request,
        "delegation/dosing_detail.html",
        {
            "dosing": dosing,
            "subject": subject,
            "subject_url": (
                _subject_url(subject)
                if full_reader
                else reverse("delegation:mine") + "#team-mandate"
            ),
            "suggestion": suggestion_now,
            "preconditions": PRECONDITIONS,
            "can_manage": access.can_manage(request.user, subject),
            "breaches": (
                dosing.breaches.filter(anonymised_at__isnull=True) if full_reader else None
            ),
        },
    )


@login_required
def breach_new(request, dosing_id: int):
    dosing = get_object_or_404(
        Dosing.objects.select_related("subject_person__unit", "subject_unit"),
        pk=dosing_id,
        anonymised_at__isnull=True,
    )
    subject = _subject_of(dosing)
    require(access.can_manage(request.user, subject))
    if request.method == "POST":
        form = BreachForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                breach = services.record_breach(
                    dosing=dosing,
                    happened_on=data["happened_on"],
                    what_happened=data["what_happened"],
                    causes={f: data[f] for f in CAUSE_FIELDS},
                    bad_faith_suspected=data["bad_faith_suspected"],
                    recorded_by=request.user,
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, _("The breach has been recorded."))
                return redirect("delegation:breach", breach.pk)
    else:
        form = BreachForm(initial={"happened_on": timezone.localdate()})
    services.log_reads(reader=request.user, kind=ReadKind.DOSING, records=[dosing], subject=subject)
    return render(
        request,
        "delegation/breach_form.html",
        {"form": form, "dosing": dosing, "subject": subject, "subject_url": _subject_url(subject)},
    )


@login_required
def breach_detail(request, breach_id: int):
    breach = get_object_or_404(
        Breach.objects.select_related(
            "dosing__subject_person__unit", "dosing__subject_unit", "adjusted_dosing"
        ),
        pk=breach_id,
        anonymised_at__isnull=True,
    )
    subject = _subject_of(breach.dosing)
    require(access.can_read(request.user, subject))
    can_manage = access.can_manage(request.user, subject)
    if request.method == "POST":
        require(can_manage)
        form = RepairForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.record_repair(
                    breach=breach,
                    steps={f: data[f] for f in REPAIR_FIELDS},
                    repair_notes=data["repair_notes"],
                    outcome=data["outcome"],
                    lesson=data["lesson"],
                    lesson_shared=data["lesson_shared"],
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, _("The repair has been saved."))
                return redirect("delegation:breach", breach.pk)
    else:
        form = RepairForm(
            initial={
                **{f: getattr(breach, f) for f in REPAIR_FIELDS},
                "repair_notes": breach.repair_notes,
                "outcome": breach.outcome,
                "lesson": breach.lesson,
                "lesson_shared": breach.lesson_shared,
            }
        )
    services.log_reads(reader=request.user, kind=ReadKind.BREACH, records=[breach], subject=subject)
    return render(
        request,
        "delegation/breach_detail.html",
        {
            "breach": breach,
            "subject": subject,
            "subject_url": _subject_url(subject),
            "can_manage": can_manage,
            "form": form,
            "adjust_url": reverse("delegation:dosing_new") + f"?breach={breach.pk}",
        },
    )


@login_required
def lessons(request):
    page = paginate(request, selectors.shared_lessons(request.user))
    return render(request, "delegation/lessons.html", {"page_obj": page})


@login_required
def read_log(request):
    require(_is_hr(request.user))
    reads = selectors.all_reads()
    form = SearchForm(request.GET or None)
    if form.is_valid() and form.cleaned_data["q"]:
        query = form.cleaned_data["q"]
        reads = reads.filter(
            Q(subject_person__name__icontains=query) | Q(subject_unit__name__icontains=query)
        )
    return render(
        request, "delegation/read_log.html", {"form": form, "page_obj": paginate(request, reads)}
    )


@login_required
def export(request, person_id: int, fmt: str):
    person = get_object_or_404(Person.objects.select_related("unit"), pk=person_id)
    subject = Subject(person=person)
    require(access.can_export(request.user, subject))
    services.log_export(reader=request.user, subject=subject)
    stamp = timezone.localdate().isoformat()
    name = f"tillidsdosering-{person.external_id}-{stamp}"
    if fmt == "json":
        return file_response(exports.as_json(subject), f"{name}.json")
    return file_response(exports.as_xlsx(subject), f"{name}.xlsx")
