from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from tillid.core.errors import NotFound
from tillid.core.viewkit import require
from tillid.organisation.models import UnitKind
from tillid.organisation.permissions import Perm, has_perm_anywhere, scope_for
from tillid.overview.effects import data
from tillid.overview.effects.charts import before_after_spec, event_study_spec
from tillid.overview.effects.forms import EffectForm, GroupForm, WatchForm
from tillid.overview.effects.grade import Grade
from tillid.overview.effects.wording import FLAG_TEXT, GRADE_LABELS, grade_text, reason_text

WATCH_KINDS = (UnitKind.INSTITUTION, UnitKind.TEAM, UnitKind.AREA)


def _scope(request):
    require(has_perm_anywhere(request.user, Perm.VIEW_OVERVIEW))
    return scope_for(request.user, Perm.VIEW_OVERVIEW)


def _context(found: dict, form: EffectForm, scope) -> dict:
    outcome, comparison = form.chosen()
    context: dict = {"found": found, "form": form, "effect": None}
    if not outcome:
        return context
    effect = data.effect_data(
        found,
        outcome=outcome,
        comparison=comparison,
        scope=scope,
        chosen=form.chosen_units(),
    )
    context["effect"] = effect
    evidence = effect.evidence
    if evidence is not None:
        context["grade_label"] = GRADE_LABELS[evidence.grade]
        context["grade_text"] = grade_text(evidence)
        context["reasons"] = [reason_text(r) for r in evidence.reasons]
        context["cannot_tell"] = evidence.grade == Grade.CANNOT_TELL
        context["estimate"] = evidence.estimate
        if evidence.estimate is not None:
            context["level_percent"] = round(evidence.estimate.level * 100)
            if evidence.estimate.event_study:
                context["event_spec"] = event_study_spec(evidence.estimate.event_study)
    if effect.periods:
        context["chart_spec"] = before_after_spec(
            effect.periods, outcome_label=effect.outcome_label
        )
    return context


def _page(request, found: dict, scope):
    outcomes = data.outcome_choices()
    form = EffectForm(
        request.GET or None, outcomes=outcomes, candidates=data.candidate_choices(found, scope)
    )
    return render(request, "overview/effects/effect.html", _context(found, form, scope))


@login_required
def effect_decision(request, decision_id: int):
    scope = _scope(request)
    found = data.treatment(decision_id=decision_id)
    if found is None:
        raise NotFound(_("There is no four-F decision with this number."))
    return _page(request, found, scope)


@login_required
def effect_trial(request, trial_id: int):
    scope = _scope(request)
    found = data.treatment(trial_id=trial_id)
    if found is None:
        raise NotFound(_("There is no trial with this number."))
    return _page(request, found, scope)


@login_required
def effect_group(request):
    scope = _scope(request)
    form = GroupForm(
        request.GET or None,
        outcomes=data.outcome_choices(),
        kinds=data.treatment_kinds(),
        areas=data.scope_units(scope),
    )
    group = form.group()
    context: dict = {"form": form, "group": group, "effect": None}
    if group is not None:
        found = data.treatment(group=group)
        if found is not None:
            context.update(_context(found, form, scope))
    return render(request, "overview/effects/group.html", context)


@login_required
def effect_inequality(request):
    scope = _scope(request)
    areas = data.scope_units(scope)
    kinds = [(k, str(label)) for k, label in UnitKind.choices if k in WATCH_KINDS]
    form = WatchForm(request.GET or None, outcomes=data.outcome_choices(), areas=areas, kinds=kinds)
    outcome, within_id, kind = form.chosen()
    within = next((u for u in areas if u.pk == within_id), None)
    watch = (
        data.watch_data(outcome=outcome, within=within, kind=kind, scope=scope) if outcome else None
    )
    flags = []
    if watch is not None and watch.watch is not None:
        flags = [FLAG_TEXT[f] for f in watch.watch.flags]
    return render(
        request,
        "overview/effects/inequality.html",
        {"form": form, "watch": watch, "flags": flags},
    )
