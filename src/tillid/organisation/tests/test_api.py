"""The REST API under /api/: authentication, permissions, organisation endpoints, OpenAPI."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.translation import gettext, override

from tillid.core.models import ApiToken
from tillid.core.services import create_api_token, revoke_api_token
from tillid.organisation import services
from tillid.organisation.models import Role, UnitKind
from tillid.organisation.testing import PASSWORD

pytestmark = pytest.mark.django_db

UNITS = "/api/organisation/units"


def bearer(user) -> dict:
    _token, key = create_api_token(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def danish(msgid: str) -> str:
    with override("da"):
        return gettext(msgid)


# Authentication.


def test_no_credentials_is_401_with_a_danish_detail(client, org):
    response = client.get(UNITS)
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {
        "detail": danish(
            "Log in or send a valid API key in the header 'Authorization: Bearer <key>'."
        )
    }
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    ["Bearer tl_not-a-real-key", "Bearer not-even-our-format", "Bearer ", "Bearer tl_"],
)
def test_bad_key_is_401(client, org, roles, header):
    response = client.get(UNITS, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["detail"] in {
        danish("The API key is not valid or has been revoked."),
        danish("Log in or send a valid API key in the header 'Authorization: Bearer <key>'."),
    }


def test_revoked_key_is_401(client, org, roles):
    token, key = create_api_token(user=roles.consultant, name="test")
    assert client.get(UNITS, HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
    assert revoke_api_token(user=roles.consultant, token_id=token.pk)
    response = client.get(UNITS, HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 401
    assert response.json() == {"detail": danish("The API key is not valid or has been revoked.")}


def test_key_of_a_deactivated_user_is_401(client, org, roles):
    auth = bearer(roles.consultant)
    roles.consultant.is_active = False
    roles.consultant.save()
    assert client.get(UNITS, **auth).status_code == 401


def test_a_bad_key_is_not_rescued_by_a_session(client, org, roles):
    assert client.login(username=roles.consultant.username, password=PASSWORD)
    assert client.get(UNITS).status_code == 200
    assert client.get(UNITS, HTTP_AUTHORIZATION="Bearer tl_wrong").status_code == 401


def test_key_use_is_recorded_at_most_once_a_minute(client, org, roles):
    token, key = create_api_token(user=roles.consultant, name="test")
    assert token.last_used_at is None
    client.get(UNITS, HTTP_AUTHORIZATION=f"Bearer {key}")
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    client.get(UNITS, HTTP_AUTHORIZATION=f"Bearer {key}")
    token.refresh_from_db()
    assert token.last_used_at == first
    earlier = timezone.now() - timedelta(minutes=2)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=earlier)
    client.get(UNITS, HTTP_AUTHORIZATION=f"Bearer {key}")
    token.refresh_from_db()
    assert token.last_used_at > earlier + timedelta(minutes=1)


def test_session_works_for_get_and_writes_need_csrf(org, roles, rf):
    from django.test import Client
    from ninja.errors import HttpError

    from tillid.core.api import BrowserSessionAuth

    browser = Client(enforce_csrf_checks=True)
    assert browser.login(username=roles.consultant.username, password=PASSWORD)
    assert browser.get(UNITS).status_code == 200
    # There are no write endpoints yet; the session auth refuses a POST
    # without a CSRF token, so future ones are protected.
    request = rf.post(UNITS)
    request.user = roles.consultant
    request.COOKIES["sessionid"] = "x"
    with pytest.raises(HttpError) as refused:
        BrowserSessionAuth()(request)
    assert refused.value.status_code == 403
    assert str(refused.value) == danish("The request was refused by the CSRF check.")


# USE_API: leaders, consultants, politicians and administrators; not employees,
# MED/TR or HR (for now).


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("administrator", 200),
        ("consultant", 200),
        ("area_consultant", 200),
        ("leader", 200),
        ("politician", 200),
        ("employee", 403),
        ("other_employee", 403),
        ("med_tr", 403),
        ("nobody", 403),
    ],
)
def test_use_api_permission_decides_access(client, org, roles, who, status):
    response = client.get(UNITS, **bearer(getattr(roles, who)))
    assert response.status_code == status
    if status == 403:
        assert response.json() == {"detail": danish("Your roles do not give access to the API.")}


def test_hr_has_no_api_access(client, org, make_user):
    hr = make_user(Role.HR, None)
    assert client.get(UNITS, **bearer(hr)).status_code == 403


def test_session_user_without_use_api_is_403(client, org, roles):
    assert client.login(username=roles.employee.username, password=PASSWORD)
    response = client.get(UNITS)
    assert response.status_code == 403
    assert response.json()["detail"] == danish("Your roles do not give access to the API.")


# Units list.


def test_units_list_is_paginated(client, org, roles):
    auth = bearer(roles.consultant)
    body = client.get(UNITS, **auth).json()
    assert body["count"] == 10
    assert [u["name"] for u in body["items"]][:3] == [
        "Børn og Unge",
        "Egeskolen",
        "Egeskov Kommune",
    ]
    first = client.get(UNITS, {"page_size": 4}, **auth).json()
    third = client.get(UNITS, {"page_size": 4, "page": 3}, **auth).json()
    assert first["count"] == third["count"] == 10
    assert len(first["items"]) == 4
    assert len(third["items"]) == 2
    beyond = client.get(UNITS, {"page_size": 4, "page": 9}, **auth).json()
    assert beyond["items"] == []
    names = []
    for page in (1, 2, 3):
        names += [
            u["name"]
            for u in client.get(UNITS, {"page_size": 4, "page": page}, **auth).json()["items"]
        ]
    assert len(set(names)) == 10


def test_units_list_default_page_size_is_50(client, org, roles):
    for i in range(55):
        services.create_unit(
            external_id=f"X{i}", name=f"Extra {i:02d}", kind=UnitKind.TEAM, parent=org.school
        )
    body = client.get(UNITS, **bearer(roles.consultant)).json()
    assert body["count"] == 65
    assert len(body["items"]) == 50


def test_units_list_filters(client, org, roles):
    auth = bearer(roles.leader)
    by_name = client.get(UNITS, {"q": "team"}, **auth).json()
    assert {u["name"] for u in by_name["items"]} == {"Team Nord", "Team Syd"}
    by_external_id = client.get(UNITS, {"q": "egely-s"}, **auth).json()
    assert [u["name"] for u in by_external_id["items"]] == ["Team Syd"]
    by_kind = client.get(UNITS, {"kind": "institution"}, **auth).json()
    assert {u["name"] for u in by_kind["items"]} == {"Plejecenter Egely", "Egeskolen"}
    by_parent = client.get(UNITS, {"parent_id": org.root.pk}, **auth).json()
    assert {u["name"] for u in by_parent["items"]} == {"Social og Sundhed", "Børn og Unge"}
    combined = client.get(UNITS, {"kind": "team", "parent_id": org.school.pk}, **auth).json()
    assert [u["name"] for u in combined["items"]] == ["Indskoling"]
    item = combined["items"][0]
    assert item == {
        "id": org.primary.pk,
        "external_id": "EGESKOLEN-I",
        "name": "Indskoling",
        "kind": "team",
        "parent_id": org.school.pk,
        "depth": 4,
    }


def test_inactive_units_are_not_listed(client, org, roles):
    org.team_south.is_active = False
    org.team_south.save()
    body = client.get(UNITS, {"q": "team"}, **bearer(roles.consultant)).json()
    assert [u["name"] for u in body["items"]] == ["Team Nord"]


@pytest.mark.parametrize(
    "params",
    [{"kind": "castle"}, {"page": 0}, {"page": "x"}, {"parent_id": "abc"}, {"page_size": 0}],
)
def test_bad_parameters_are_422_with_a_danish_detail(client, org, roles, params):
    response = client.get(UNITS, params, **bearer(roles.consultant))
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == danish("The request has invalid or missing parameters.")
    assert body["errors"]
    assert all({"loc", "msg", "type"} <= set(error) for error in body["errors"])


# Unit detail.


def test_unit_detail(client, org, roles):
    body = client.get(f"{UNITS}/{org.care_home.pk}", **bearer(roles.leader)).json()
    assert body["name"] == "Plejecenter Egely"
    assert body["kind"] == "institution"
    assert body["headcount"] == 5
    assert [a["name"] for a in body["ancestors"]] == [
        "Egeskov Kommune",
        "Social og Sundhed",
        "Ældreområdet",
    ]
    assert [c["name"] for c in body["children"]] == ["Team Nord", "Team Syd"]
    p1 = org.people["P1"]
    assert body["leaders"] == [{"id": p1.pk, "name": "Mette Hansen", "email": "p1@egeskov.dk"}]


def test_unit_detail_of_another_subtree_hides_leader_email(client, org, roles):
    body = client.get(f"{UNITS}/{org.school.pk}", **bearer(roles.leader)).json()
    assert body["headcount"] == 2
    assert body["leaders"][0]["name"] == "Peter Sørensen"
    assert body["leaders"][0]["email"] is None


def test_unknown_or_inactive_unit_is_404_with_a_danish_detail(client, org, roles):
    auth = bearer(roles.consultant)
    response = client.get(f"{UNITS}/999999", **auth)
    assert response.status_code == 404
    assert response.json() == {"detail": danish("Not found.")}
    org.team_south.is_active = False
    org.team_south.save()
    assert client.get(f"{UNITS}/{org.team_south.pk}", **auth).status_code == 404
    assert client.get(f"{UNITS}/{org.team_south.pk}/people", **auth).status_code == 404


# People of a unit.


def test_people_of_a_unit_include_the_units_below(client, org, roles):
    response = client.get(f"{UNITS}/{org.care_home.pk}/people", **bearer(roles.leader))
    body = response.json()
    assert body["count"] == 5
    assert [p["name"] for p in body["items"]] == [
        "Anders Pedersen",
        "Hanne Larsen",
        "Lars Nielsen",
        "Mette Hansen",
        "Sofie Jensen",
    ]
    assert body["items"][0] == {
        "id": org.people["P4"].pk,
        "external_id": "P4",
        "name": "Anders Pedersen",
        "email": "p4@egeskov.dk",
        "unit_id": org.team_south.pk,
        "is_leader": False,
    }


def test_people_filters(client, org, roles):
    auth = bearer(roles.consultant)
    leaders = client.get(f"{UNITS}/{org.root.pk}/people", {"leaders": "true"}, **auth).json()
    assert {p["external_id"] for p in leaders["items"]} == {"P1", "P5", "P6"}
    found = client.get(f"{UNITS}/{org.root.pk}/people", {"q": "jensen"}, **auth).json()
    assert [p["external_id"] for p in found["items"]] == ["P3"]
    by_email = client.get(f"{UNITS}/{org.root.pk}/people", {"q": "P6@EGESKOV"}, **auth).json()
    assert [p["external_id"] for p in by_email["items"]] == ["P6"]
    paged = client.get(f"{UNITS}/{org.root.pk}/people", {"page_size": 3, "page": 3}, **auth).json()
    assert paged["count"] == 7
    assert len(paged["items"]) == 1


def test_people_need_view_people_on_that_unit(client, org, roles):
    area = bearer(roles.area_consultant)  # consultant for Social og Sundhed
    assert client.get(f"{UNITS}/{org.elder.pk}/people", **area).status_code == 200
    response = client.get(f"{UNITS}/{org.school.pk}/people", **area)
    assert response.status_code == 403
    assert response.json() == {"detail": danish("You do not have access to this.")}
    # The root covers units outside the grant: refused, not filtered.
    assert client.get(f"{UNITS}/{org.root.pk}/people", **area).status_code == 403
    # Politicians see the structure but nobody's name.
    politician = bearer(roles.politician)
    assert client.get(f"{UNITS}/{org.care_home.pk}", **politician).status_code == 200
    assert client.get(f"{UNITS}/{org.care_home.pk}/people", **politician).status_code == 403


def test_inactive_people_are_not_listed(client, org, roles):
    person = org.people["P2"]
    person.is_active = False
    person.save()
    body = client.get(f"{UNITS}/{org.team_north.pk}/people", **bearer(roles.consultant)).json()
    assert [p["external_id"] for p in body["items"]] == ["P3"]


# /me


def test_me_lists_roles_with_units(client, org, roles):
    services.grant_role(user=roles.leader, role=Role.MED_TR, unit=org.social)
    services.grant_role(user=roles.leader, role=Role.POLITICIAN, unit=None)
    body = client.get("/api/organisation/me", **bearer(roles.leader)).json()
    assert body["username"] == "p1"
    assert body["person"] == {
        "id": org.people["P1"].pk,
        "name": "Mette Hansen",
        "unit_id": org.care_home.pk,
        "is_leader": True,
    }
    assert body["roles"] == [
        {"role": "leader", "unit_id": org.care_home.pk},
        {"role": "employee", "unit_id": org.care_home.pk},
        {"role": "politician", "unit_id": None},
        {"role": "med_tr", "unit_id": org.social.pk},
    ]
    assert "use_api" in body["permissions"]
    assert "import_organisation" not in body["permissions"]


def test_me_for_a_user_without_person(client, org, roles):
    body = client.get("/api/organisation/me", **bearer(roles.consultant)).json()
    assert body["username"] == "konsulent"
    assert body["person"] is None
    assert body["roles"] == [{"role": "consultant", "unit_id": None}]


def test_me_needs_use_api(client, org, roles):
    assert client.get("/api/organisation/me", **bearer(roles.employee)).status_code == 403


# OpenAPI and docs.


def test_openapi_document(client, org):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["openapi"].startswith("3.")
    assert doc["info"]["title"] == "Tillid API"
    assert {
        "/api/organisation/me",
        "/api/organisation/units",
        "/api/organisation/units/{unit_id}",
        "/api/organisation/units/{unit_id}/people",
    } <= set(doc["paths"])
    schemes = doc["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"} in schemes.values()
    operation = doc["paths"]["/api/organisation/units"]["get"]
    assert {name for item in operation["security"] for name in item} == set(schemes)
    params = {p["name"] for p in operation["parameters"]}
    assert {"q", "kind", "parent_id", "page", "page_size"} <= params


def test_docs_page_uses_local_assets(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    body = response.content.decode()
    assert "/api/openapi.json" in body
    assert "static/ninja/swagger-ui" in body
    assert "cdn.jsdelivr.net" not in body


def test_unexpected_error_is_json_500_without_internals(client, org, roles, monkeypatch):
    from tillid.organisation import selectors

    def broken(*args, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(selectors, "search_units", broken)
    response = client.get(UNITS, **bearer(roles.consultant))
    assert response.status_code == 500
    assert response.json() == {
        "detail": danish("Something went wrong on our side. Try again later.")
    }
    assert "secret" not in response.content.decode()
