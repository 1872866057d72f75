import pytest
from django.urls import reverse

from tillid.organisation.testing import login

pytestmark = pytest.mark.django_db


def test_anonymous_is_sent_to_login(client, org):
    response = client.get(reverse("organisation:tree"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_login_page_is_danish_by_default(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert 'lang="da"' in response.content.decode()


def test_tree_shows_roots_and_children(client, org, roles):
    login(client, roles.employee)
    response = client.get(reverse("organisation:tree"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Egeskov Kommune" in body
    assert "Social og Sundhed" in body


def test_tree_search_finds_unit_with_trail(client, org, roles):
    login(client, roles.employee)
    response = client.get(reverse("organisation:tree"), {"q": "Team Nord"})
    body = response.content.decode()
    assert "Team Nord" in body
    assert "Plejecenter Egely" in body  # the trail above it


def test_unit_page_shows_headcount_and_leaders(client, org, roles):
    login(client, roles.leader)
    response = client.get(reverse("organisation:unit", args=[org.care_home.pk]))
    assert response.status_code == 200
    assert response.context["headcount"] == 5
    assert [p.name for p in response.context["leaders"]] == ["Mette Hansen"]


def test_employee_cannot_list_people_of_another_unit(client, org, roles):
    login(client, roles.employee)
    response = client.get(reverse("organisation:unit", args=[org.school.pk]))
    assert response.status_code == 200
    assert "page_obj" not in response.context
    assert "p6@egeskov.dk" not in response.content.decode()
    response = client.get(reverse("organisation:people"), {"unit": org.school.pk})
    assert response.status_code == 403


def test_unknown_unit_is_a_danish_404(client, org, roles):
    login(client, roles.employee)
    response = client.get(reverse("organisation:unit", args=[999999]))
    assert response.status_code == 404
