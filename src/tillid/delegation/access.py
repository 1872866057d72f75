"""Who may reach a person's (or team's) dosing and breach records.

Only through tillid.organisation.permissions (`may_read_records` is the one
rule for personal records, shared with trials' trust tests):

* leaders of the person's unit or a unit above it (MANAGE_DELEGATION or
  VIEW_DELEGATION_RECORDS on the person's unit) read them; leaders with
  MANAGE_DELEGATION write them — never about themselves;
* HR reads them (VIEW_DELEGATION_RECORDS) and exports them on request;
* the person reads their own records and the log of who read them.

Administrators, colleagues, leaders of other units and politicians hold
neither permission for the person's unit, so they never reach a record.
Team records (a team as subject) are for the team's leaders and HR; the
team's own members (active people whose unit is the team) also read the
team's dosings — the mandate the team has been given — but not its breaches.
"""

from dataclasses import dataclass

from django.db.models import Q

from tillid.organisation.models import Person, Role, Unit
from tillid.organisation.permissions import (
    Perm,
    has_perm,
    may_read_records,
    person_of,
    readable_records_q,
    roles_of,
    scope_for,
    works_in,
)


@dataclass(frozen=True)
class Subject:
    """Whom records are about: a person or a team (a unit)."""

    person: Person | None = None
    team: Unit | None = None

    @property
    def unit(self) -> Unit:
        return self.person.unit if self.person is not None else self.team

    @property
    def name(self) -> str:
        return self.person.name if self.person is not None else self.team.name


def is_self(user, subject: Subject) -> bool:
    person = person_of(user)
    return person is not None and subject.person is not None and subject.person.pk == person.pk


def can_read(user, subject: Subject) -> bool:
    return may_read_records(
        user, subject.unit, subject.person.pk if subject.person is not None else None
    )


def is_team_member(user, subject: Subject) -> bool:
    """The user is an active person whose own unit is the team the records are about."""
    return subject.person is None and works_in(user, subject.team)


def can_read_dosings(user, subject: Subject) -> bool:
    """Dosings (never breaches): whoever reads the records, and a team's own members."""
    return can_read(user, subject) or is_team_member(user, subject)


def can_manage(user, subject: Subject) -> bool:
    """Record dosings and breaches: the person's leaders, never about oneself."""
    if is_self(user, subject):
        return False
    return has_perm(user, Perm.MANAGE_DELEGATION, subject.unit)


def is_hr_for(user, subject: Subject) -> bool:
    return Role.HR in roles_of(user) and has_perm(user, Perm.VIEW_DELEGATION_RECORDS, subject.unit)


def can_export(user, subject: Subject) -> bool:
    """A person's records are exported on request: by HR, or by the person."""
    if subject.person is None:
        return False
    return is_self(user, subject) or is_hr_for(user, subject)


def can_see_read_log(user, subject: Subject) -> bool:
    return is_self(user, subject) or is_hr_for(user, subject)


def readable_subjects_q(user, prefix: str = "") -> Q:
    """Records (dosings, or breaches via prefix 'dosing__') the user may read."""
    return readable_records_q(user, prefix) & Q(**{f"{prefix}anonymised_at__isnull": True})


def managed_people_q(user) -> Q:
    scope = scope_for(user, Perm.MANAGE_DELEGATION)
    if scope.nothing:
        return Q(pk__in=[])
    q = scope.unit_q("unit__")
    person = person_of(user)
    if person is not None:
        q &= ~Q(pk=person.pk)
    return q


def managed_units_q(user) -> Q:
    scope = scope_for(user, Perm.MANAGE_DELEGATION)
    if scope.nothing:
        return Q(pk__in=[])
    return scope.unit_q()
