from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tillid.core import contracts
from tillid.core.errors import Forbidden
from tillid.core.viewkit import add_errors, message_errors, paginate, require
from tillid.organisation.models import Person, Unit
from tillid.organisation.permissions import (
    Perm,
    has_perm,
    has_perm_anywhere,
    require_perm,
    scope_for,
)
from tillid.trials import access, followup, rules, selectors, services
from tillid.trials.forms import (
    AdoptionForm,
    ApproveForm,
    EvaluationForm,
    FollowUpDatesForm,
    GovernanceLinkForm,
    MilestoneForm,
    ObservationForm,
    TaskForm,
    TransitionForm,
    TrialEditForm,
    TrialFilterForm,
    TrialForm,
    TrustOutcomeForm,
    TrustTestForm,
)
from tillid.trials.models import GovernanceLink, Milestone, Stage, StageTask, Trial, TrialKind


def _trial_for(request, trial_id: int) -> Trial:
    try:
        trial = selectors.trial_detail(trial_id)
    except Trial.DoesNotExist:
        raise Http404 from None
    if not access.can_view(request.user, trial):
        # A trust test the user may not read looks like one that does not exist.
        raise Http404
    return trial


def _owner_choices(trial_unit: Unit):
    return (
        Person.objects.filter(is_active=True, unit__path__startswith=trial_unit.path)
        .select_related("unit")
        .order_by("name")
    )


def _parent_choices(user):
    return selectors.visible_trials(user).filter(kind=TrialKind.TRIAL).order_by("title")


@login_required
def board(request):
    require_perm(request.user, Perm.VIEW_TRIALS)
    manage = scope_for(request.user, Perm.MANAGE_TRIALS)
    context = {
        "columns": selectors.board(request.user),
        "can_propose": has_perm_anywhere(request.user, Perm.PROPOSE_TRIAL),
        "can_plan_trust_test": has_perm_anywhere(request.user, Perm.MANAGE_DELEGATION),
        "waiting": list(selectors.waiting_for_leader(request.user, manage)[:20])
        if not manage.nothing
        else [],
        "board_limit": selectors.BOARD_LIMIT,
        # Trust tests also live in the delegation records; show the way there.
        "can_use_delegation": access.person_of(request.user) is not None
        or has_perm_anywhere(request.user, Perm.MANAGE_DELEGATION)
        or has_perm_anywhere(request.user, Perm.VIEW_DELEGATION_RECORDS),
    }
    return render(request, "trials/board.html", context)


@login_required
def trial_list(request):
    require_perm(request.user, Perm.VIEW_TRIALS)
    form = TrialFilterForm(request.GET or None, items=selectors.governance_choices())
    filters = {}
    if form.is_valid():
        data = form.cleaned_data
        filters = {
            "query": data["q"],
            "unit": data["unit"],
            "stage": data["stage"],
            "area": data["area"],
            "kind": data["kind"],
            "governance": data["governance"],
            "governance_item_id": data.get("governance_item"),
        }
    page = paginate(request, selectors.search_trials(request.user, **filters))
    template = "trials/_results.html" if request.htmx else "trials/list.html"
    return render(request, template, {"form": form, "page_obj": page})


@login_required
def propose(request):
    require_perm(request.user, Perm.PROPOSE_TRIAL)
    person = access.person_of(request.user)
    if request.method == "POST":
        form = TrialForm(request.POST, parent_choices=_parent_choices(request.user))
        if form.is_valid():
            data = form.cleaned_data
            require(has_perm(request.user, Perm.PROPOSE_TRIAL, data["unit"]))
            try:
                trial = services.propose_trial(
                    proposed_by=request.user,
                    unit=data["unit"],
                    title=data["title"],
                    question=data["question"],
                    origin=data["origin"],
                    area=data["area"],
                    description=data["description"],
                    participant_kinds=data["participant_kinds"],
                    participants_note=data["participants_note"],
                    success_criteria=data["success_criteria"],
                    start_date=data["start_date"],
                    end_date=data["end_date"],
                    parent=data["parent"],
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(
                    request, _("Thank you. The idea has been passed to the nearest leader.")
                )
                return redirect("trials:detail", trial.pk)
    else:
        initial = {"unit": person.unit if person else None}
        if request.GET.get("parent", "").isdigit():
            initial["parent"] = int(request.GET["parent"])
        form = TrialForm(initial=initial, parent_choices=_parent_choices(request.user))
    return render(request, "trials/propose.html", {"form": form})


@login_required
def detail(request, trial_id: int):
    trial = _trial_for(request, trial_id)
    can_manage = access.can_manage(request.user, trial)
    can_contribute = access.can_contribute(request.user, trial)
    moves = selectors.allowed_moves(trial)
    adopt_units = (
        Unit.objects.filter(is_active=True)
        .filter(scope_for(request.user, Perm.MANAGE_TRIALS).unit_q())
        .exclude(pk=trial.unit_id)
        .exclude(pk__in=trial.adoptions.values("unit_id"))
        .order_by("path")
    )
    scope_leader_unit, leaders = selectors.nearest_leaders(trial.unit)
    context = {
        "trial": trial,
        "can_manage": can_manage,
        "can_contribute": can_contribute,
        "forward": [(s, Stage(s).label) for s in moves["forward"]],
        "back": (moves["back"], Stage(moves["back"]).label) if moves["back"] else None,
        "stage_changes": trial.stage_changes.select_related("changed_by"),
        "tasks": trial.tasks.all(),
        "milestones": trial.milestones.all(),
        "children": trial.children.select_related("unit").order_by("title"),
        "observations": trial.observations.select_related("recorded_by"),
        "evaluation": getattr(trial, "evaluation", None),
        "adoptions": trial.adoptions.select_related("unit"),
        "governance_links": [
            (link, selectors.governance_item_url(link.governance_item_id))
            for link in trial.governance_links.all()
        ],
        "progress": round(100 * selectors.progress(trial)),
        "leader_unit": scope_leader_unit,
        "leaders": leaders,
        "can_adopt": not trial.is_trust_test
        and trial.stage in (Stage.EVALUATED, Stage.SPREADING)
        and adopt_units.exists(),
        "adoption_form": AdoptionForm(prefix="adopt", units=adopt_units),
        "approve_form": ApproveForm(prefix="approve", owner_choices=_owner_choices(trial.unit)),
        "transition_form": TransitionForm(),
        "task_form": TaskForm(prefix="task"),
        "milestone_form": MilestoneForm(prefix="milestone"),
        "observation_form": ObservationForm(
            prefix="obs", initial={"observed_on": timezone.localdate()}
        ),
        "evaluation_form": EvaluationForm(
            prefix="eval",
            initial={
                "what_worked": trial.evaluation.what_worked,
                "what_did_not": trial.evaluation.what_did_not,
                "evidence": trial.evaluation.evidence,
                "criteria_met": trial.evaluation.criteria_met,
            }
            if hasattr(trial, "evaluation")
            else None,
        ),
        "governance_form": GovernanceLinkForm(prefix="gov", items=selectors.governance_choices())
        if can_manage
        else None,
        "outcome_form": TrustOutcomeForm(prefix="outcome"),
        "trust_start_problem": rules.trust_test_start_problem(trial, timezone.localdate())
        if trial.is_trust_test
        else "",
        "trust_outcome_problem": rules.trust_outcome_problem(trial, timezone.localdate())
        if trial.is_trust_test
        else "",
        "history": trial.history.select_related("history_user")[:20],
        "due": _due_dates(trial),
    }
    if trial.is_trust_test and trial.subject_person_id:
        contracts.call("trials.log_trust_test_read", trial=trial, reader=request.user)
    return render(request, "trials/detail.html", context)


def _post_action(request, trial_id: int, *, manage: bool):
    trial = _trial_for(request, trial_id)
    allowed = (
        access.can_manage(request.user, trial)
        if manage
        else access.can_contribute(request.user, trial)
    )
    require(allowed)
    return trial


def _back_to(trial: Trial, anchor: str = ""):
    from django.urls import reverse

    return redirect(reverse("trials:detail", args=[trial.pk]) + anchor)


@login_required
def edit(request, trial_id: int):
    trial = _trial_for(request, trial_id)
    require(access.can_manage(request.user, trial) and not trial.is_trust_test)
    kwargs = {
        "instance": trial,
        "parent_choices": _parent_choices(request.user),
        "owner_choices": _owner_choices(trial.unit),
    }
    if request.method == "POST":
        form = TrialEditForm(request.POST, **kwargs)
        if form.is_valid():
            data = form.cleaned_data
            if not has_perm(request.user, Perm.MANAGE_TRIALS, data["unit"]):
                form.add_error("unit", _("You can only move a trial to a unit you lead."))
            else:
                # The form must not save by itself: the service validates and writes.
                trial.refresh_from_db()
                try:
                    services.update_trial(
                        trial=trial, changes={f: data[f] for f in TrialEditForm.Meta.fields}
                    )
                except ValidationError as error:
                    add_errors(form, error)
                else:
                    messages.success(request, _("The trial has been saved."))
                    return _back_to(trial)
    else:
        form = TrialEditForm(**kwargs)
    return render(request, "trials/edit.html", {"form": form, "trial": trial})


@login_required
@require_POST
def approve(request, trial_id: int):
    trial = _post_action(request, trial_id, manage=True)
    form = ApproveForm(request.POST, prefix="approve", owner_choices=_owner_choices(trial.unit))
    if not form.is_valid():
        messages.error(request, _("Choose an owner from the list."))
        return _back_to(trial)
    try:
        services.approve(trial=trial, by=request.user, owner=form.cleaned_data["owner"])
    except ValidationError as error:
        message_errors(request, error)
    else:
        messages.success(request, _("The trial has been approved to try."))
    return _back_to(trial)


@login_required
@require_POST
def move(request, trial_id: int):
    trial = _post_action(request, trial_id, manage=True)
    form = TransitionForm(request.POST)
    if form.is_valid():
        try:
            services.transition(
                trial=trial,
                to_stage=form.cleaned_data["to_stage"],
                by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            message_errors(request, error)
        else:
            messages.success(
                request,
                _("The trial is now: %(stage)s.")
                % {"stage": Stage(form.cleaned_data["to_stage"]).label},
            )
    else:
        messages.error(request, _("Unknown stage."))
    return _back_to(trial)


@login_required
@require_POST
def add_task(request, trial_id: int):
    trial = _post_action(request, trial_id, manage=False)
    form = TaskForm(request.POST, prefix="task")
    if form.is_valid():
        services.add_task(
            trial=trial, title=form.cleaned_data["title"], due_date=form.cleaned_data["due_date"]
        )
        messages.success(request, _("The task has been added."))
    else:
        messages.error(request, _("Write what the task is."))
    return _back_to(trial, "#tasks")


@login_required
@require_POST
def toggle_task(request, trial_id: int, task_id: int):
    trial = _post_action(request, trial_id, manage=False)
    task = get_object_or_404(StageTask, pk=task_id, trial=trial)
    services.set_task_done(task=task, done=not task.is_done)
    return _back_to(trial, "#tasks")


@login_required
@require_POST
def add_milestone(request, trial_id: int):
    trial = _post_action(request, trial_id, manage=True)
    form = MilestoneForm(request.POST, prefix="milestone")
    if form.is_valid():
        services.add_milestone(
            trial=trial, title=form.cleaned_data["title"], due_date=form.cleaned_data["due_date"]
        )
        messages.success(request, _("The milestone has been added."))
    else:
        messages.error(request, _("Write what the milestone is."))
    return _back_to(trial, "#milestones")


@login_required
@require_POST
def toggle_milestone(request, trial_id: int, milestone_id: int):
    trial = _post_action(request, trial_id, manage=False)
    milestone = get_object_or_404(Milestone, pk=milestone_id, trial=trial)
    services.set_milestone_done(milestone=milestone, done=not milestone.is_done)
    return _back_to(trial, "#milestones")


@login_required
@require_POST
def add_observation(request, trial_id: int):
    trial = _post_action(request, trial_id, manage=False)
    form = ObservationForm(request.POST, prefix="obs")
    if form.is_valid():
        try:
            services.add_observation(
                trial=trial,
                kind=form.cleaned_data["kind"],
                text=form.cleaned_data["text"],
                observed_on=form.cleaned_data["observed_on"],
                by=request.user,
            )
        except ValidationError as error:
            message_errors(request, error)
        else:
            messages.success(request, _("The observation has been logged."))
    else:
        messages.error(request, _("Fill in the observation and its date."))
    return _back_to(trial, "#observations")


@login_required
@require_POST
def evaluate(request, trial_id: int):
    trial = _post_action(request, trial_id, manage=True)
    form = EvaluationForm(request.POST, prefix="eval")
    if form.is_valid():
        try:
            services.record_evaluation(trial=trial, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            message_errors(request, error)
        else:
            messages.success(request, _("The evaluation has been saved."))
    else:
        messages.error(request, _("State what worked and the evidence for it."))
    return _back_to(trial, "#evaluation")


@login_required
@require_POST
def adopt(request, trial_id: int):
    trial = _trial_for(request, trial_id)
    units = Unit.objects.filter(is_active=True).filter(
        scope_for(request.user, Perm.MANAGE_TRIALS).unit_q()
    )
    form = AdoptionForm(request.POST, prefix="adopt", units=units)
    if not form.is_valid():
        messages.error(request, _("Choose a unit you lead."))
        return _back_to(trial, "#adoptions")
    require(access.can_adopt_into(request.user, form.cleaned_data["unit"]))
    try:
        services.adopt(
            trial=trial,
            unit=form.cleaned_data["unit"],
            by=request.user,
            note=form.cleaned_data["note"],
        )
    except ValidationError as error:
        message_errors(request, error)
    else:
        messages.success(request, _("The trial has been adopted."))
    return _back_to(trial, "#adoptions")


@login_required
@require_POST
def link_governance(request, trial_id: int):
    trial = _post_action(request, trial_id, manage=True)
    form = GovernanceLinkForm(request.POST, prefix="gov", items=selectors.governance_choices())
    if form.is_valid():
        try:
            services.link_governance(
                trial=trial,
                governance_item_id=form.cleaned_data["governance_item_id"],
                title=form.cleaned_data["title"],
                effect=form.cleaned_data["effect"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            message_errors(request, error)
        else:
            messages.success(request, _("The governance has been linked to the trial."))
    else:
        for error in form.non_field_errors():
            messages.error(request, error)
        if not form.non_field_errors():
            messages.error(request, _("Check the governance fields."))
    return _back_to(trial, "#governance")


@login_required
@require_POST
def unlink_governance(request, trial_id: int, link_id: int):
    trial = _post_action(request, trial_id, manage=True)
    link = get_object_or_404(GovernanceLink, pk=link_id, trial=trial)
    services.unlink_governance(link=link)
    messages.success(request, _("The governance link has been removed."))
    return _back_to(trial, "#governance")


def _trust_people(user):
    scope = scope_for(user, Perm.MANAGE_DELEGATION)
    person = access.person_of(user)
    qs = (
        Person.objects.filter(is_active=True)
        .filter(scope.unit_q("unit__"))
        .select_related("unit")
        .order_by("name")
    )
    return qs.exclude(pk=person.pk) if person else qs


def _trust_teams(user):
    scope = scope_for(user, Perm.MANAGE_DELEGATION)
    return Unit.objects.filter(is_active=True).filter(scope.unit_q()).order_by("path")


@login_required
def trust_test_new(request):
    require_perm(request.user, Perm.MANAGE_DELEGATION)
    people, teams = _trust_people(request.user), _trust_teams(request.user)
    if request.method == "POST":
        form = TrustTestForm(request.POST, people=people, teams=teams)
        if form.is_valid():
            data = form.cleaned_data
            subject_unit = data["person"].unit if data["person"] else data["team"]
            require(access.can_plan_trust_test(request.user, subject_unit))
            try:
                trial = services.plan_trust_test(
                    by=request.user,
                    subject_person=data["person"],
                    subject_unit=data["team"],
                    task=data["task"],
                    step_from=data["step_from"],
                    step_to=data["step_to"],
                    risk=data["risk"],
                    risk_note=data["risk_note"],
                    start_date=data["start_date"],
                    end_date=data["end_date"],
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, _("The trust test has been planned."))
                return _back_to(trial)
    else:
        initial = {}
        for key in ("person", "team", "step_from"):
            if request.GET.get(key, "").isdigit():
                initial[key] = int(request.GET[key])
        if request.GET.get("task"):
            initial["task"] = request.GET["task"][:200]
        if initial.get("step_from") and initial["step_from"] < 5:
            initial["step_to"] = initial["step_from"] + 1
        form = TrustTestForm(initial=initial, people=people, teams=teams)
    return render(request, "trials/trust_test_form.html", {"form": form})


@login_required
@require_POST
def trust_outcome(request, trial_id: int):
    trial = _post_action(request, trial_id, manage=True)
    form = TrustOutcomeForm(request.POST, prefix="outcome")
    if form.is_valid():
        try:
            services.record_trust_outcome(
                trial=trial,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except ValidationError as error:
            message_errors(request, error)
        else:
            messages.success(request, _("The outcome of the trust test has been recorded."))
    else:
        messages.error(request, _("Choose how the trust test went."))
    return _back_to(trial)


@login_required
@require_POST
def trust_start(request, trial_id: int):
    trial = _post_action(request, trial_id, manage=True)
    try:
        services.start_trust_test(trial=trial, by=request.user)
    except ValidationError as error:
        message_errors(request, error)
    else:
        messages.success(request, _("The trust test has started."))
    return _back_to(trial)


def _due_dates(trial: Trial) -> dict | None:
    """When the evaluation and the decision to spread or stop are due (trials only)."""
    if trial.is_trust_test:
        return None
    stages = followup.milestones([trial.pk])[trial.pk]
    return {
        "evaluation": followup.evaluation_due_on(trial, stages),
        "evaluated": followup.evaluation_done_on(stages),
        "decision": followup.decision_due_on(trial, stages),
        "decided": stages.decided,
    }


# --- the follow-up loop -------------------------------------------------------------------


@login_required
def follow_up(request, trial_id: int):
    """When the evaluation and the decision to spread or stop are due."""
    trial = _trial_for(request, trial_id)
    if trial.is_trust_test or not access.can_manage(request.user, trial):
        raise Forbidden
    stages = followup.milestones([trial.pk])[trial.pk]
    form = FollowUpDatesForm(
        request.POST or None,
        initial={
            "evaluation_due_on": trial.evaluation_due_on,
            "decision_due_on": trial.decision_due_on,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.set_follow_up_dates(trial=trial, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The follow-up dates have been saved."))
            return redirect("trials:detail", trial.pk)
    return render(
        request,
        "trials/follow_up.html",
        {
            "trial": trial,
            "form": form,
            "evaluation_due": followup.evaluation_due_on(trial, stages),
            "decision_due": followup.decision_due_on(trial, stages),
            "stages": stages,
        },
    )
