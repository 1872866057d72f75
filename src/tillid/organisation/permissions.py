"""The one place that decides who may do what, for which unit.

Every view, API endpoint and export asks `has_perm` (one unit, or the whole
organisation) or `scope_for` (which units, for filtering a list). A role
granted for a unit covers the unit and everything below it. Modules add
their permissions to `Perm` and to the role table below, nowhere else.
"""

from dataclasses import dataclass
from enum import StrEnum

from django.db.models import Q

from tillid.core.viewkit import require
from tillid.organisation.models import Person, Role, RoleGrant, Unit


class Perm(StrEnum):
    # organisation
    VIEW_ORGANISATION = "view_organisation"  # tree, unit pages, headcounts
    VIEW_PEOPLE = "view_people"  # names and e-mail of people in a unit
    IMPORT_ORGANISATION = "import_organisation"
    MANAGE_ROLES = "manage_roles"
    USE_API = "use_api"
    # governance (the register, burden, reviews, red tape)
    VIEW_GOVERNANCE = "view_governance"
    MANAGE_GOVERNANCE = "manage_governance"  # register items, run reviews
    ASSESS_GOVERNANCE = "assess_governance"  # rate items that bind one's unit
    REPORT_RED_TAPE = "report_red_tape"
    HANDLE_RED_TAPE = "handle_red_tape"  # the Meningssamling queue
    # Read the Meningssamling queue and what it recommends (politicians, top
    # management): for the top unit only, see governance.permissions.
    READ_RED_TAPE = "read_red_tape"
    # Add to the dialogue log of a co-created review one is invited to.
    CONTRIBUTE_TO_REVIEWS = "contribute_to_reviews"
    # compass (survey rounds and results)
    MANAGE_SURVEYS = "manage_surveys"
    VIEW_SURVEY_RESULTS = "view_survey_results"  # always under the anonymity rules
    RECORD_DIALOGUE = "record_dialogue"  # dialogue meetings and their actions
    # trials (trial actions and trust tests)
    VIEW_TRIALS = "view_trials"
    PROPOSE_TRIAL = "propose_trial"
    MANAGE_TRIALS = "manage_trials"
    # delegation (personal data: dosing, breaches; the app adds person-level rules)
    MANAGE_DELEGATION = "manage_delegation"
    VIEW_DELEGATION_RECORDS = "view_delegation_records"
    VIEW_DELEGATION_AGGREGATES = "view_delegation_aggregates"
    # overview
    VIEW_OVERVIEW = "view_overview"


ALL_PERMS = frozenset(Perm)

_EVERYONE = frozenset(
    {
        Perm.VIEW_ORGANISATION,
        Perm.VIEW_GOVERNANCE,
        Perm.REPORT_RED_TAPE,
        Perm.VIEW_TRIALS,
        Perm.PROPOSE_TRIAL,
        Perm.VIEW_OVERVIEW,
    }
)

ROLE_PERMS: dict[str, frozenset[Perm]] = {
    # Administrators may do everything except read personal delegation
    # records (the person's own leaders and HR only) and speak for those
    # governed or led: assessments come from the people an item binds, and
    # dialogue meetings are held by the unit's leader.
    Role.ADMINISTRATOR: ALL_PERMS
    - {
        Perm.VIEW_DELEGATION_RECORDS,
        Perm.MANAGE_DELEGATION,
        Perm.ASSESS_GOVERNANCE,
        Perm.RECORD_DIALOGUE,
    },
    Role.CONSULTANT: _EVERYONE
    | {
        Perm.VIEW_PEOPLE,
        Perm.IMPORT_ORGANISATION,
        Perm.USE_API,
        Perm.MANAGE_GOVERNANCE,
        Perm.HANDLE_RED_TAPE,
        Perm.MANAGE_SURVEYS,
        Perm.VIEW_SURVEY_RESULTS,
        Perm.MANAGE_TRIALS,
        Perm.VIEW_DELEGATION_AGGREGATES,
    },
    Role.LEADER: _EVERYONE
    | {
        Perm.READ_RED_TAPE,  # reaches the queue only as leader of the top unit
        Perm.VIEW_PEOPLE,
        Perm.USE_API,
        Perm.ASSESS_GOVERNANCE,
        Perm.VIEW_SURVEY_RESULTS,
        Perm.RECORD_DIALOGUE,
        Perm.MANAGE_TRIALS,
        Perm.MANAGE_DELEGATION,
        Perm.VIEW_DELEGATION_RECORDS,
        Perm.VIEW_DELEGATION_AGGREGATES,
    },
    Role.EMPLOYEE: _EVERYONE | {Perm.VIEW_PEOPLE, Perm.ASSESS_GOVERNANCE, Perm.VIEW_SURVEY_RESULTS},
    Role.POLITICIAN: _EVERYONE
    | {
        Perm.USE_API,
        Perm.VIEW_SURVEY_RESULTS,
        Perm.VIEW_DELEGATION_AGGREGATES,
        Perm.CONTRIBUTE_TO_REVIEWS,
        Perm.READ_RED_TAPE,
    },
    # MED/TR take part in reviews and see aggregates, not people's details.
    Role.MED_TR: _EVERYONE
    | {Perm.VIEW_SURVEY_RESULTS, Perm.VIEW_DELEGATION_AGGREGATES, Perm.CONTRIBUTE_TO_REVIEWS},
    Role.HR: _EVERYONE
    | {
        Perm.VIEW_PEOPLE,
        Perm.VIEW_SURVEY_RESULTS,
        Perm.VIEW_DELEGATION_RECORDS,
        Perm.VIEW_DELEGATION_AGGREGATES,
    },
}

# Permissions that only an organisation-wide grant gives, whatever the unit.
ORGANISATION_WIDE_ONLY = frozenset({Perm.IMPORT_ORGANISATION, Perm.MANAGE_ROLES})

# Permissions that, granted for any unit, reach every unit: the structure of
# the municipality (names, kinds, leaders, headcounts) is no secret inside it.
ANY_GRANT_REACHES_ALL = frozenset(
    {
        Perm.VIEW_ORGANISATION,
        Perm.VIEW_GOVERNANCE,
        Perm.REPORT_RED_TAPE,
        Perm.VIEW_TRIALS,
        Perm.PROPOSE_TRIAL,
        Perm.VIEW_OVERVIEW,
    }
)


@dataclass(frozen=True)
class Grant:
    role: str
    unit_id: int | None
    # "" for the whole organisation, else the unit's materialised path.
    path: str


def effective_grants(user) -> list:
    """The user's grants: explicit ones plus those the organisation implies.

    A person in the organisation is an employee of their unit; a person marked
    as leader is a leader of their unit (and so of the units below it).
    """
    grants = [
        Grant(role=g.role, unit_id=g.unit_id, path=g.unit.path if g.unit_id else "")
        for g in RoleGrant.objects.filter(
            Q(user=user) | Q(person__user=user, person__is_active=True)
        ).select_related("unit")
        if g.unit_id is None or g.unit.is_active
    ]
    person = (
        Person.objects.filter(user=user, is_active=True, unit__is_active=True)
        .select_related("unit")
        .first()
    )
    if person is not None:
        grants.append(Grant(role=Role.EMPLOYEE, unit_id=person.unit_id, path=person.unit.path))
        if person.is_leader:
            grants.append(Grant(role=Role.LEADER, unit_id=person.unit_id, path=person.unit.path))
    return grants


def _grants(user) -> list[Grant]:
    # Cached on the user object: one query set per request, not per check.
    cached = getattr(user, "_tillid_grants", None)
    if cached is None:
        cached = effective_grants(user)
        if user.is_superuser:
            # A superuser is an organisation-wide administrator; that is all.
            # It is no way round the rules on personal delegation records.
            cached.append(Grant(role=Role.ADMINISTRATOR, unit_id=None, path=""))
        user._tillid_grants = cached
    return cached


def roles_of(user) -> set[str]:
    if not user or not user.is_authenticated:
        return set()
    return {g.role for g in _grants(user)}


def has_perm(user, perm: Perm, unit: Unit | None = None) -> bool:
    """May `user` exercise `perm` on `unit` (or organisation-wide if None)?"""
    if not user or not user.is_authenticated or not user.is_active:
        return False
    for grant in _grants(user):
        if perm not in ROLE_PERMS.get(grant.role, ()):
            continue
        if grant.unit_id is None or perm in ANY_GRANT_REACHES_ALL:
            return True
        if (
            unit is not None
            and perm not in ORGANISATION_WIDE_ONLY
            and unit.path.startswith(grant.path)
        ):
            return True
    return False


def has_perm_anywhere(user, perm: Perm) -> bool:
    """Does any grant give `perm` for at least one unit? (For menus and list pages.)"""
    if not user or not user.is_authenticated or not user.is_active:
        return False
    return any(
        perm in ROLE_PERMS.get(g.role, ())
        and (g.unit_id is None or perm not in ORGANISATION_WIDE_ONLY)
        for g in _grants(user)
    )


def require_perm(user, perm: Perm, unit: Unit | None = None) -> None:
    """Refuse (the application's 403, for pages and the API) unless `user` holds
    `perm` for `unit`, or for some unit when `unit` is None."""
    require(has_perm(user, perm, unit) if unit else has_perm_anywhere(user, perm))


@dataclass(frozen=True)
class Scope:
    """The units where a permission holds: everything, or some subtrees."""

    everything: bool
    paths: tuple[str, ...] = ()

    @property
    def nothing(self) -> bool:
        return not self.everything and not self.paths

    def unit_q(self, prefix: str = "") -> Q:
        """A filter on Unit (or on a relation to Unit through `prefix`, e.g. 'unit__')."""
        if self.everything:
            return Q()
        if not self.paths:
            return Q(pk__in=[])
        q = Q()
        for path in self.paths:
            q |= Q(**{f"{prefix}path__startswith": path})
        return q

    def contains(self, unit: Unit) -> bool:
        return self.everything or any(unit.path.startswith(p) for p in self.paths)


def scope_for(user, perm: Perm) -> Scope:
    if not user or not user.is_authenticated or not user.is_active:
        return Scope(everything=False)
    paths = set()
    for grant in _grants(user):
        if perm not in ROLE_PERMS.get(grant.role, ()):
            continue
        if grant.unit_id is None or perm in ANY_GRANT_REACHES_ALL:
            return Scope(everything=True)
        if perm not in ORGANISATION_WIDE_ONLY:
            paths.add(grant.path)
    # Drop paths already covered by a shorter one.
    minimal = tuple(sorted(p for p in paths if not any(p != q and p.startswith(q) for q in paths)))
    return Scope(everything=False, paths=minimal)


# --- personal records ---------------------------------------------------------------
# Trust dosings, breaches and trust tests name a person (or a team) and how far
# they were trusted. One rule for every module that keeps such records.


def person_of(user) -> Person | None:
    """The active person the user is, cached on the user object for the request."""
    if not user or not user.is_authenticated:
        return None
    cached = getattr(user, "_tillid_person", False)
    if cached is False:
        cached = Person.objects.filter(user=user, is_active=True).select_related("unit").first()
        user._tillid_person = cached
    return cached


def may_read_records(user, unit: Unit | None, person_id: int | None = None) -> bool:
    """May `user` read the personal records about person `person_id` in `unit`, or
    about the team `unit` when no person is named?

    The person themselves, and whoever holds VIEW_DELEGATION_RECORDS or
    MANAGE_DELEGATION for the unit: the person's leaders (of the unit or above) and HR.
    """
    me = person_of(user)
    if person_id is not None and me is not None and me.pk == person_id:
        return True
    if unit is None:
        return False
    return has_perm(user, Perm.VIEW_DELEGATION_RECORDS, unit) or has_perm(
        user, Perm.MANAGE_DELEGATION, unit
    )


def works_in(user, team: Unit | None) -> bool:
    """The user is an active person whose own unit is `team` (an active unit)."""
    if team is None or not team.is_active:
        return False
    me = person_of(user)
    return me is not None and me.unit_id == team.pk


def readable_records_q(user, prefix: str = "") -> Q:
    """A filter on records about a person (`<prefix>subject_person`) or a team
    (`<prefix>subject_unit`): those `user` may read by `may_read_records`."""
    q = Q(pk__in=[])
    for perm in (Perm.VIEW_DELEGATION_RECORDS, Perm.MANAGE_DELEGATION):
        scope = scope_for(user, perm)
        if scope.nothing:
            continue
        q |= Q(**{f"{prefix}subject_person__isnull": False}) & scope.unit_q(
            f"{prefix}subject_person__unit__"
        )
        q |= Q(
            **{f"{prefix}subject_person__isnull": True, f"{prefix}subject_unit__isnull": False}
        ) & scope.unit_q(f"{prefix}subject_unit__")
    me = person_of(user)
    if me is not None:
        q |= Q(**{f"{prefix}subject_person": me})
    return q


def forget_cached_grants(user) -> None:
    if hasattr(user, "_tillid_grants"):
        del user._tillid_grants
