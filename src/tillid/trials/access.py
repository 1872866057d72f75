"""Who may do what with a trial. Built only on tillid.organisation.permissions.

Ordinary trials are open to everyone in the municipality. A trust test names
a person (or a team) and how far they were trusted, so it is shown only to
those who may read that person's delegation records, and to the person; a
test of a whole team also to the team's own members (read-only), as the
team's trust dosings are in delegation.
"""

from django.db.models import Q

from tillid.organisation.models import Person, Unit
from tillid.organisation.permissions import Perm, has_perm, has_perm_anywhere, scope_for
from tillid.trials.models import Trial, TrialKind


def person_of(user) -> Person | None:
    if not user or not user.is_authenticated:
        return None
    cached = getattr(user, "_tillid_person", False)
    if cached is False:
        cached = Person.objects.filter(user=user, is_active=True).select_related("unit").first()
        user._tillid_person = cached
    return cached


def trust_subject_unit(trial: Trial) -> Unit | None:
    if trial.subject_person_id:
        return trial.subject_person.unit
    return trial.subject_unit


def visible_q(user) -> Q:
    """Trials the user may see: every ordinary trial, and the trust tests they may read."""
    if not has_perm_anywhere(user, Perm.VIEW_TRIALS):
        return Q(pk__in=[])
    q = Q(kind=TrialKind.TRIAL)
    records = scope_for(user, Perm.VIEW_DELEGATION_RECORDS)
    manage = scope_for(user, Perm.MANAGE_DELEGATION)
    for scope in (records, manage):
        if not scope.nothing:
            q |= Q(kind=TrialKind.TRUST_TEST) & (
                Q(subject_person__isnull=False) & scope.unit_q("subject_person__unit__")
                | Q(subject_person__isnull=True, subject_unit__isnull=False)
                & scope.unit_q("subject_unit__")
            )
    person = person_of(user)
    if person is not None:
        q |= Q(kind=TrialKind.TRUST_TEST, subject_person=person)
        q |= Q(
            kind=TrialKind.TRUST_TEST,
            subject_person__isnull=True,
            subject_unit=person.unit_id,
            subject_unit__is_active=True,
        )
    return q


def is_team_member(user, trial: Trial) -> bool:
    """The trust test is about a whole team, and the user is an active person in it."""
    if not trial.is_trust_test or trial.subject_person_id or trial.subject_unit_id is None:
        return False
    person = person_of(user)
    return (
        person is not None
        and person.unit_id == trial.subject_unit_id
        and trial.subject_unit.is_active
    )


def can_view(user, trial: Trial) -> bool:
    if not has_perm(user, Perm.VIEW_TRIALS, trial.unit):
        return False
    if not trial.is_trust_test:
        return True
    person = person_of(user)
    if person is not None and trial.subject_person_id == person.pk:
        return True
    if is_team_member(user, trial):
        return True
    unit = trust_subject_unit(trial)
    if unit is None:
        return False
    return has_perm(user, Perm.VIEW_DELEGATION_RECORDS, unit) or has_perm(
        user, Perm.MANAGE_DELEGATION, unit
    )


def can_manage(user, trial: Trial) -> bool:
    """Move it between stages, edit it, evaluate it: a leader of its unit or above."""
    if trial.is_trust_test:
        unit = trust_subject_unit(trial)
        person = person_of(user)
        if person is not None and trial.subject_person_id == person.pk:
            return False
        return unit is not None and has_perm(user, Perm.MANAGE_DELEGATION, unit)
    return has_perm(user, Perm.MANAGE_TRIALS, trial.unit)


def can_contribute(user, trial: Trial) -> bool:
    """Log observations and tick off tasks: the owner, the unit's people and its leaders."""
    if can_manage(user, trial):
        return True
    if trial.is_trust_test:
        return False
    person = person_of(user)
    if person is None:
        return False
    if trial.owner_id == person.pk:
        return True
    return person.unit.path.startswith(trial.unit.path)


def can_adopt_into(user, unit: Unit) -> bool:
    return has_perm(user, Perm.MANAGE_TRIALS, unit)


def can_plan_trust_test(user, unit: Unit) -> bool:
    return has_perm(user, Perm.MANAGE_DELEGATION, unit)
