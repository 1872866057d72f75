"""Who may do what with a trial. Built only on tillid.organisation.permissions
(whose `may_read_records` is the rule for trust tests, as for delegation's records).

Ordinary trials are open to everyone in the municipality. A trust test names
a person (or a team) and how far they were trusted, so it is shown only to
those who may read that person's delegation records, and to the person; a
test of a whole team also to the team's own members (read-only), as the
team's trust dosings are in delegation.
"""

from django.db.models import Q

from tillid.organisation.models import Unit
from tillid.organisation.permissions import (
    Perm,
    has_perm,
    has_perm_anywhere,
    may_read_records,
    person_of,
    readable_records_q,
    works_in,
)
from tillid.trials.models import Trial, TrialKind


def trust_subject_unit(trial: Trial) -> Unit | None:
    if trial.subject_person_id:
        return trial.subject_person.unit
    return trial.subject_unit


def visible_q(user) -> Q:
    """Trials the user may see: every ordinary trial, and the trust tests they may read."""
    if not has_perm_anywhere(user, Perm.VIEW_TRIALS):
        return Q(pk__in=[])
    q = Q(kind=TrialKind.TRIAL) | Q(kind=TrialKind.TRUST_TEST) & readable_records_q(user)
    person = person_of(user)
    if person is not None:
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
    return works_in(user, trial.subject_unit)


def can_view(user, trial: Trial) -> bool:
    if not has_perm(user, Perm.VIEW_TRIALS, trial.unit):
        return False
    if not trial.is_trust_test:
        return True
    if is_team_member(user, trial):
        return True
    return may_read_records(user, trust_subject_unit(trial), trial.subject_person_id)


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
