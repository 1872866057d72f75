"""The permission function as a matrix: every role × every permission × unit relation.

The expected table below is written by hand from the intent (DESIGN.md and
the role descriptions), not derived from ROLE_PERMS, so a change to the role
table or to the inheritance rules makes a test fail.
"""

from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tillid.organisation import services
from tillid.organisation.models import Person, Role, RoleGrant, Unit, UnitKind
from tillid.organisation.permissions import (
    Perm,
    forget_cached_grants,
    has_perm,
    has_perm_anywhere,
    may_read_records,
    person_of,
    roles_of,
    scope_for,
    works_in,
)
from tillid.organisation.testing import login

pytestmark = pytest.mark.django_db

# How a role's permission reaches units when the role is granted for ONE unit:
#   A  the whole organisation (structure and shared registers are no secret)
#   U  the unit and everything below it, nothing above or beside it
#   O  nothing: only an organisation-wide grant gives it
#   .  never
# An organisation-wide grant gives every permission marked A, U or O everywhere.
ROLES = [
    Role.ADMINISTRATOR,
    Role.CONSULTANT,
    Role.LEADER,
    Role.EMPLOYEE,
    Role.POLITICIAN,
    Role.MED_TR,
    Role.HR,
]
TABLE = """
                            admin consultant leader employee politician med_tr hr
view_organisation             A       A        A       A         A        A     A
view_people                   U       U        U       U         .        .     U
import_organisation           O       O        .       .         .        .     .
manage_roles                  O       .        .       .         .        .     .
use_api                       U       U        U       .         U        .     .
view_governance               A       A        A       A         A        A     A
manage_governance             U       U        .       .         .        .     .
assess_governance             .       .        U       U         .        .     .
report_red_tape               A       A        A       A         A        A     A
handle_red_tape               U       U        .       .         .        .     .
contribute_to_reviews         U       .        .       .         U        U     .
read_red_tape                 U       .        U       .         U        .     .
manage_surveys                U       U        .       .         .        .     .
view_survey_results           U       U        U       U         U        U     U
record_dialogue               .       .        U       .         .        .     .
view_trials                   A       A        A       A         A        A     A
propose_trial                 A       A        A       A         A        A     A
manage_trials                 U       U        U       .         .        .     .
manage_delegation             .       .        U       .         .        .     .
view_delegation_records       .       .        U       .         .        .     U
view_delegation_aggregates    U       U        U       .         U        U     U
view_overview                 A       A        A       A         A        A     A
"""


def _parse(table: str) -> dict[tuple[str, Perm], str]:
    lines = [line.split() for line in table.strip().splitlines()]
    header, rows = lines[0], lines[1:]
    assert len(header) == len(ROLES)
    cells = {}
    for row in rows:
        perm = Perm(row[0])
        assert len(row) == len(ROLES) + 1, row
        for role, mark in zip(ROLES, row[1:], strict=True):
            assert mark in "AUO."
            cells[(role, perm)] = mark
    return cells


EXPECTED = _parse(TABLE)

# The relations of the checked unit to the granted unit (Plejecenter Egely).
RELATIONS = ["own", "descendant", "ancestor", "other_subtree", "organisation"]
# For a grant for one unit, which relations each mark reaches.
UNIT_GRANT_REACH = {
    "A": {"own", "descendant", "ancestor", "other_subtree", "organisation"},
    "U": {"own", "descendant"},
    "O": set(),
    ".": set(),
}


def test_table_covers_every_permission():
    assert {perm for _role, perm in EXPECTED} == set(Perm)
    assert len(EXPECTED) == len(ROLES) * len(Perm)


def _units(org):
    return {
        "own": org.care_home,
        "descendant": org.team_north,
        "ancestor": org.elder,
        "other_subtree": org.school,
        "organisation": None,
    }


def _fresh(user):
    return get_user_model().objects.get(pk=user.pk)


@pytest.mark.parametrize("role", ROLES)
def test_matrix_for_a_grant_at_one_unit(org, make_user, role):
    user = make_user(role, org.care_home)
    units = _units(org)
    wrong = []
    for perm in Perm:
        mark = EXPECTED[(role, perm)]
        scope = scope_for(user, perm)
        for relation in RELATIONS:
            expected = relation in UNIT_GRANT_REACH[mark]
            unit = units[relation]
            if has_perm(user, perm, unit) != expected:
                wrong.append(f"has_perm {perm} {relation}: expected {expected}")
            in_scope = scope.everything if unit is None else scope.contains(unit)
            if in_scope != expected:
                wrong.append(f"scope_for {perm} {relation}: expected {expected}")
        if has_perm_anywhere(user, perm) != (mark in "AU"):
            wrong.append(f"has_perm_anywhere {perm}: expected {mark in 'AU'}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("role", ROLES)
def test_matrix_for_an_organisation_wide_grant(org, make_user, role):
    user = make_user(role, None)
    units = _units(org)
    wrong = []
    for perm in Perm:
        expected = EXPECTED[(role, perm)] != "."
        scope = scope_for(user, perm)
        for relation in RELATIONS:
            if has_perm(user, perm, units[relation]) != expected:
                wrong.append(f"has_perm {perm} {relation}: expected {expected}")
        if has_perm_anywhere(user, perm) != expected:
            wrong.append(f"has_perm_anywhere {perm}: expected {expected}")
        if scope.everything != expected or scope.paths:
            wrong.append(f"scope_for {perm}: expected everything={expected}")
    assert not wrong, "\n".join(wrong)


def test_no_role_no_access(org, roles):
    for perm in Perm:
        assert not has_perm(roles.nobody, perm, org.care_home)
        assert not has_perm(roles.nobody, perm, None)
        assert not has_perm_anywhere(roles.nobody, perm)
        assert scope_for(roles.nobody, perm).nothing


def test_anonymous_has_nothing(org):
    from django.contrib.auth.models import AnonymousUser

    anonymous = AnonymousUser()
    assert not has_perm(anonymous, Perm.VIEW_ORGANISATION, org.root)
    assert not has_perm_anywhere(anonymous, Perm.VIEW_ORGANISATION)
    assert scope_for(anonymous, Perm.VIEW_ORGANISATION).nothing
    assert roles_of(anonymous) == set()


# Roles that follow from the organisation itself.


def test_person_is_employee_of_own_unit(org, roles):
    employee = roles.employee  # Lars, Team Nord
    assert roles_of(employee) == {Role.EMPLOYEE}
    assert has_perm(employee, Perm.VIEW_PEOPLE, org.team_north)
    assert not has_perm(employee, Perm.VIEW_PEOPLE, org.team_south)  # sibling team
    assert not has_perm(employee, Perm.VIEW_PEOPLE, org.care_home)  # the unit above
    assert not has_perm(employee, Perm.VIEW_PEOPLE, org.school)
    assert has_perm(employee, Perm.ASSESS_GOVERNANCE, org.team_north)
    assert not has_perm(employee, Perm.MANAGE_DELEGATION, org.team_north)
    assert not has_perm_anywhere(employee, Perm.USE_API)
    assert scope_for(employee, Perm.VIEW_PEOPLE).paths == (org.team_north.path,)


def test_leader_flag_makes_a_leader_of_the_subtree(org, roles):
    leader = roles.leader  # Mette, leads Plejecenter Egely
    assert roles_of(leader) == {Role.EMPLOYEE, Role.LEADER}
    for unit in (org.care_home, org.team_north, org.team_south):
        assert has_perm(leader, Perm.MANAGE_DELEGATION, unit)
        assert has_perm(leader, Perm.VIEW_DELEGATION_RECORDS, unit)
    for unit in (org.elder, org.social, org.school, None):
        assert not has_perm(leader, Perm.MANAGE_DELEGATION, unit)
        assert not has_perm(leader, Perm.VIEW_PEOPLE, unit)


def test_a_person_without_the_leader_flag_is_no_leader(org, person_user):
    user = person_user(org.people["P4"])  # Anders, Team Syd, not a leader
    assert roles_of(user) == {Role.EMPLOYEE}
    assert not has_perm(user, Perm.MANAGE_DELEGATION, org.team_south)


def test_explicit_and_implicit_grants_add_up(org, roles):
    services.grant_role(user=roles.employee, role=Role.HR, unit=org.social)
    user = _fresh(roles.employee)
    assert roles_of(user) == {Role.EMPLOYEE, Role.HR}
    assert has_perm(user, Perm.VIEW_PEOPLE, org.team_south)
    assert has_perm(user, Perm.VIEW_SURVEY_RESULTS, org.elder)
    assert not has_perm(user, Perm.VIEW_PEOPLE, org.school)


# Superusers.


def test_superuser_is_an_organisation_wide_administrator(org, make_user):
    superuser = make_user(None, None, username="root", is_superuser=True, is_staff=True)
    assert roles_of(superuser) == {Role.ADMINISTRATOR}
    for perm in Perm:
        expected = EXPECTED[(Role.ADMINISTRATOR, perm)] != "."
        for unit in (org.root, org.team_north, org.school, None):
            assert has_perm(superuser, perm, unit) == expected, (perm, unit)


def test_superuser_does_not_read_delegation_records(org, make_user):
    superuser = make_user(None, None, username="root", is_superuser=True)
    for unit in (org.care_home, org.team_north, None):
        assert not has_perm(superuser, Perm.VIEW_DELEGATION_RECORDS, unit)
        assert not has_perm(superuser, Perm.MANAGE_DELEGATION, unit)
    assert not has_perm_anywhere(superuser, Perm.VIEW_DELEGATION_RECORDS)
    assert scope_for(superuser, Perm.VIEW_DELEGATION_RECORDS).nothing


def test_superuser_who_leads_a_unit_reads_records_only_there(org, person_user):
    user = person_user(org.people["P1"])
    user.is_superuser = True
    user.save()
    user = _fresh(user)
    assert has_perm(user, Perm.VIEW_DELEGATION_RECORDS, org.team_north)
    assert not has_perm(user, Perm.VIEW_DELEGATION_RECORDS, org.school)


# Losing access.


def test_inactive_user_loses_everything(org, make_user):
    user = make_user(Role.ADMINISTRATOR, None)
    user.is_active = False
    user.save()
    user = _fresh(user)
    for perm in Perm:
        assert not has_perm(user, perm, org.root)
        assert not has_perm(user, perm, None)
        assert not has_perm_anywhere(user, perm)
        assert scope_for(user, perm).nothing


def test_grant_for_an_inactive_unit_counts_for_nothing(org, make_user):
    user = make_user(Role.CONSULTANT, org.care_home)
    Unit.objects.filter(pk=org.care_home.pk).update(is_active=False)
    user = _fresh(user)
    assert roles_of(user) == set()
    assert not has_perm(user, Perm.VIEW_PEOPLE, org.team_north)
    assert not has_perm_anywhere(user, Perm.VIEW_ORGANISATION)
    assert scope_for(user, Perm.VIEW_PEOPLE).nothing


def test_person_in_an_inactive_unit_has_no_implicit_roles(org, roles):
    Unit.objects.filter(pk=org.team_north.pk).update(is_active=False)
    user = _fresh(roles.employee)
    assert roles_of(user) == set()
    assert not has_perm_anywhere(user, Perm.VIEW_ORGANISATION)


def test_deactivated_person_loses_the_implicit_roles(org, roles):
    Person.objects.filter(pk=org.people["P1"].pk).update(is_active=False)
    user = _fresh(roles.leader)
    assert roles_of(user) == set()
    assert not has_perm(user, Perm.VIEW_DELEGATION_RECORDS, org.team_north)
    assert not has_perm(user, Perm.VIEW_PEOPLE, org.care_home)


def test_revoked_grant_is_gone_after_the_cache_is_forgotten(org, make_user):
    user = make_user(Role.CONSULTANT, org.social)
    assert has_perm(user, Perm.VIEW_PEOPLE, org.team_north)
    RoleGrant.objects.filter(user=user).delete()
    forget_cached_grants(user)
    assert not has_perm(user, Perm.VIEW_PEOPLE, org.team_north)


# has_perm_anywhere and scope_for.


def test_organisation_wide_only_permissions_need_an_organisation_wide_grant(org, make_user):
    at_unit = make_user(Role.ADMINISTRATOR, org.social)
    everywhere = make_user(Role.ADMINISTRATOR, None)
    for perm in (Perm.IMPORT_ORGANISATION, Perm.MANAGE_ROLES):
        assert not has_perm_anywhere(at_unit, perm)
        assert not has_perm(at_unit, perm, org.social)
        assert has_perm_anywhere(everywhere, perm)
        assert has_perm(everywhere, perm, org.social)


def test_scope_paths_are_minimal_and_sorted(org, make_user):
    user = make_user(Role.CONSULTANT, org.care_home)
    services.grant_role(user=user, role=Role.HR, unit=org.team_north)  # inside care_home
    services.grant_role(user=user, role=Role.HR, unit=org.school)
    services.grant_role(user=user, role=Role.HR, unit=org.primary)  # inside school
    user = _fresh(user)
    scope = scope_for(user, Perm.VIEW_PEOPLE)
    assert not scope.everything
    assert scope.paths == tuple(sorted([org.care_home.path, org.school.path]))
    # Only the consultant grant gives manage_governance.
    assert scope_for(user, Perm.MANAGE_GOVERNANCE).paths == (org.care_home.path,)


def test_scope_unit_q_filters_units_and_people(org, make_user):
    user = make_user(Role.HR, org.care_home)
    services.grant_role(user=user, role=Role.HR, unit=org.primary)
    user = _fresh(user)
    scope = scope_for(user, Perm.VIEW_PEOPLE)
    units = set(Unit.objects.filter(scope.unit_q()).values_list("name", flat=True))
    assert units == {"Plejecenter Egely", "Team Nord", "Team Syd", "Indskoling"}
    people = set(
        Person.objects.filter(scope.unit_q("unit__")).values_list("external_id", flat=True)
    )
    assert people == {"P1", "P2", "P3", "P4", "P5", "P7"}


def test_scope_everything_and_nothing_as_filters(org, make_user):
    everything = scope_for(make_user(Role.HR, None), Perm.VIEW_PEOPLE)
    assert everything.everything
    assert Person.objects.filter(everything.unit_q("unit__")).count() == 7
    nothing = scope_for(make_user(Role.POLITICIAN, None), Perm.VIEW_PEOPLE)
    assert nothing.nothing
    assert not Person.objects.filter(nothing.unit_q("unit__")).exists()
    assert not Unit.objects.filter(nothing.unit_q()).exists()


def test_path_prefix_of_a_sibling_id_does_not_leak(make_user):
    # Units 7002 and 70021 are siblings; "/…/7002" must not cover "/…/70021/".
    root = Unit.objects.create(pk=7001, external_id="R", name="R", kind=UnitKind.MUNICIPALITY)
    a = Unit.objects.create(pk=7002, external_id="A", name="A", kind=UnitKind.AREA, parent=root)
    b = Unit.objects.create(pk=70021, external_id="B", name="B", kind=UnitKind.AREA, parent=root)
    services.rebuild_paths()
    a.refresh_from_db()
    b.refresh_from_db()
    user = make_user(Role.HR, a)
    assert has_perm(user, Perm.VIEW_PEOPLE, a)
    assert not has_perm(user, Perm.VIEW_PEOPLE, b)
    assert not scope_for(user, Perm.VIEW_PEOPLE).contains(b)
    assert list(Unit.objects.filter(scope_for(user, Perm.VIEW_PEOPLE).unit_q())) == [a]


# Property: for random trees and random grants the function agrees with a
# plain reading of the table, computed by walking parents (not paths).

_counter = iter(range(1, 10**9))


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    parents=st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=9),
    grants=st.lists(
        st.tuples(st.sampled_from(ROLES), st.one_of(st.none(), st.integers(0, 10**6))),
        max_size=4,
    ),
)
def test_has_perm_agrees_with_the_grants(db, parents, grants):
    run = next(_counter)
    # Unit i's parent is one of the units before it (or none: several roots).
    units: list[Unit] = []
    parent_index: list[int | None] = []
    for i, choice in enumerate(parents):
        p = None if i == 0 or choice % (i + 1) == i else choice % i
        parent_index.append(p)
        units.append(
            services.create_unit(
                external_id=f"H{run}-{i}",
                name=f"U{i}",
                kind=UnitKind.TEAM,
                parent=units[p] if p is not None else None,
            )
        )
    user = get_user_model().objects.create_user(username=f"h{run}")
    given_grants = []
    for role, where in grants:
        unit_index = None if where is None else where % len(units)
        if (role, unit_index) in given_grants:
            continue
        given_grants.append((role, unit_index))
        services.grant_role(
            user=user, role=role, unit=units[unit_index] if unit_index is not None else None
        )

    def within(i: int, ancestor: int) -> bool:
        node = i
        while node is not None:
            if node == ancestor:
                return True
            node = parent_index[node]
        return False

    def covers(role, g_index, perm, u_index) -> bool:
        mark = EXPECTED[(role, perm)]
        if mark == ".":
            return False
        if g_index is None:
            return True
        if mark == "A":
            return True
        if mark == "U":
            return u_index is not None and within(u_index, g_index)
        return False  # "O" at one unit

    for perm in Perm:
        scope = scope_for(user, perm)
        for u_index in [*range(len(units)), None]:
            unit = units[u_index] if u_index is not None else None
            expected = any(covers(role, g, perm, u_index) for role, g in given_grants)
            assert has_perm(user, perm, unit) == expected, (perm, u_index, given_grants)
            if unit is not None:
                assert scope.contains(unit) == expected, (perm, u_index, given_grants)
        anywhere = any(
            covers(role, g, perm, u) for role, g in given_grants for u in range(len(units))
        ) or any(covers(role, g, perm, None) for role, g in given_grants)
        assert has_perm_anywhere(user, perm) == anywhere
    # The queryset filter picks exactly the units has_perm allows.
    for perm in (Perm.VIEW_PEOPLE, Perm.VIEW_SURVEY_RESULTS):
        scope = scope_for(user, perm)
        ids = {u.pk for u in units}
        allowed = set(
            Unit.objects.filter(pk__in=ids).filter(scope.unit_q()).values_list("pk", flat=True)
        )
        assert allowed == {u.pk for u in units if has_perm(user, perm, u)}


# Pages and API: an employee never sees another unit's people.


def _emails(people) -> SimpleNamespace:
    return SimpleNamespace(**{ext: p.email for ext, p in people.items()})


def test_unit_page_of_another_unit_shows_no_people(client, org, roles):
    login(client, roles.employee)  # Lars, Team Nord
    mail = _emails(org.people)
    for unit, hidden in (
        (org.team_south, [mail.P4, mail.P5]),  # the sibling team
        (org.care_home, [mail.P1, mail.P3, mail.P4]),  # the unit above
        (org.school, [mail.P6, mail.P7]),  # another subtree
    ):
        response = client.get(reverse("organisation:unit", args=[unit.pk]))
        body = response.content.decode()
        assert response.status_code == 200
        assert response.context["can_view_people"] is False
        assert "page_obj" not in response.context
        for email in hidden:
            assert email not in body


def test_unit_page_of_own_unit_shows_colleagues(client, org, roles):
    login(client, roles.employee)
    response = client.get(reverse("organisation:unit", args=[org.team_north.pk]))
    names = [p.name for p in response.context["page_obj"]]
    assert names == ["Lars Nielsen", "Sofie Jensen"]


def test_people_list_shows_only_own_unit(client, org, roles):
    login(client, roles.employee)
    response = client.get(reverse("organisation:people"))
    assert response.status_code == 200
    assert {p.external_id for p in response.context["page_obj"]} == {"P2", "P3"}
    for unit in (org.team_south, org.care_home, org.school, org.root):
        response = client.get(reverse("organisation:people"), {"unit": unit.pk})
        assert response.status_code == 403, unit


def test_people_search_does_not_find_other_units(client, org, roles):
    login(client, roles.employee)
    for query in ("Camilla", "p7@egeskov.dk", "P7", "Hanne", "egeskov.dk"):
        response = client.get(reverse("organisation:people"), {"q": query})
        found = {p.external_id for p in response.context["page_obj"]}
        assert found <= {"P2", "P3"}, (query, found)
        body = response.content.decode()
        for name in ("Camilla Rasmussen", "Hanne Larsen", "Peter Sørensen", "Mette Hansen"):
            assert name not in body, (query, name)


def test_api_refuses_people_outside_the_scope(client, org, roles):
    from tillid.core.services import create_api_token

    _token, key = create_api_token(user=roles.leader, name="test")  # leads Plejecenter Egely
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    ok = client.get(f"/api/organisation/units/{org.team_north.pk}/people", **auth)
    assert ok.status_code == 200
    assert {p["external_id"] for p in ok.json()["items"]} == {"P2", "P3"}
    for unit in (org.school, org.elder, org.root):
        response = client.get(f"/api/organisation/units/{unit.pk}/people", **auth)
        assert response.status_code == 403, unit
        assert "items" not in response.json()
    detail = client.get(f"/api/organisation/units/{org.school.pk}", **auth).json()
    assert detail["leaders"] == [
        {"id": org.people["P6"].pk, "name": "Peter Sørensen", "email": None}
    ]
    # The employee has no API access at all.
    _token, key = create_api_token(user=roles.employee, name="test")
    response = client.get(
        f"/api/organisation/units/{org.team_north.pk}/people", HTTP_AUTHORIZATION=f"Bearer {key}"
    )
    assert response.status_code == 403


def test_personal_records_are_for_the_person_their_leaders_and_hr(org, roles, make_user):
    """The one rule for dosings, breaches and trust tests (delegation and trials)."""
    person = org.people["P2"]  # Team Nord
    hr = make_user(Role.HR, None, username="hr")
    assert person_of(roles.employee) == person
    assert may_read_records(roles.employee, person.unit, person.pk)  # oneself
    assert may_read_records(roles.leader, person.unit, person.pk)  # leads the care home
    assert may_read_records(hr, person.unit, person.pk)
    for other in (roles.other_employee, roles.administrator, roles.consultant, roles.politician):
        assert not may_read_records(other, person.unit, person.pk)
    # A team's records: its leaders and HR, not its members (they read dosings, by works_in).
    assert may_read_records(roles.leader, org.team_north)
    assert not may_read_records(roles.employee, org.team_north)
    assert works_in(roles.employee, org.team_north)
    assert not works_in(roles.employee, org.team_south)
    assert not may_read_records(roles.leader, None)
