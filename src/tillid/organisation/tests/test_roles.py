"""Roles are granted to people from the organisation (or to a login), from one page."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tillid.organisation import services
from tillid.organisation.models import Person, Role, RoleGrant
from tillid.organisation.permissions import Perm, has_perm
from tillid.organisation.testing import PASSWORD

pytestmark = pytest.mark.django_db


def _grant(client, who: str, role: str = Role.POLITICIAN, unit: str = ""):
    return client.post(reverse("organisation:roles"), {"who": who, "role": role, "unit": unit})


@pytest.fixture
def admin_client(client, roles):
    assert client.login(username=roles.administrator.username, password=PASSWORD)
    return client


def test_a_person_without_a_login_gets_the_role_at_first_login(admin_client, org):
    person = org.people["P6"]  # Peter Sørensen, no account yet
    assert person.user is None
    response = _grant(admin_client, "p6", Role.MED_TR, str(org.children.pk))
    assert response.status_code == 302
    grant = RoleGrant.objects.get(person__isnull=False)
    assert (grant.person, grant.user, grant.unit) == (person, None, org.children)
    page = admin_client.get(reverse("organisation:roles")).content.decode()
    assert "Peter Sørensen" in page
    assert "har ikke logget ind endnu" in page
    # The account is made and linked at the first login (as SSO does, by e-mail).
    user = get_user_model().objects.create_user(username="peter", email=person.email)
    assert services.link_user_to_person(user=user) == person
    assert has_perm(user, Perm.VIEW_SURVEY_RESULTS, org.school)
    assert not has_perm(user, Perm.VIEW_SURVEY_RESULTS, org.care_home)


def test_found_by_e_mail_and_by_a_unique_part_of_the_name(admin_client, org):
    assert _grant(admin_client, "P7@EGESKOV.DK").status_code == 302
    assert _grant(admin_client, "Hanne Lar").status_code == 302
    granted = RoleGrant.objects.filter(person__isnull=False)
    assert set(granted.values_list("person__external_id", flat=True)) == {"P5", "P7"}


def test_a_username_still_works(admin_client, make_user):
    user = make_user(username="byraad-formand")
    assert _grant(admin_client, "byraad-formand").status_code == 302
    assert RoleGrant.objects.get(user=user).role == Role.POLITICIAN
    assert has_perm(user, Perm.VIEW_OVERVIEW)


def test_unknown_and_ambiguous_are_answered_in_danish_and_nothing_is_saved(admin_client, org):
    response = _grant(admin_client, "Ingen Sådan")
    assert response.status_code == 200
    assert "Ingen i organisationen eller blandt brugerne passer til" in response.content.decode()
    Person.objects.create(external_id="P8", name="Hanne Lind", unit=org.school)
    response = _grant(admin_client, "Hanne")
    body = response.content.decode()
    assert "Flere passer til" in body
    assert "Hanne Larsen" in body
    assert "Hanne Lind" in body
    assert not RoleGrant.objects.filter(person__isnull=False).exists()


def test_the_same_grant_twice_is_kept_once(admin_client, org):
    _grant(admin_client, "P6")
    _grant(admin_client, "p6")
    assert RoleGrant.objects.filter(person__isnull=False).count() == 1


def test_only_administrators_grant_roles(client, roles):
    assert client.login(username=roles.consultant.username, password=PASSWORD)
    assert _grant(client, "P6").status_code == 403
    assert not RoleGrant.objects.filter(person__isnull=False).exists()


def test_a_grant_is_to_a_user_or_a_person(org, make_user):
    with pytest.raises(ValueError, match="user or to a person"):
        services.grant_role(role=Role.HR, unit=None)
    with pytest.raises(ValueError, match="user or to a person"):
        services.grant_role(role=Role.HR, unit=None, user=make_user(), person=org.people["P6"])
