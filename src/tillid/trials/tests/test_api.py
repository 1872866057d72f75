import pytest

from tillid.organisation.testing import login
from tillid.trials import services
from tillid.trials.models import Stage, Trial

pytestmark = pytest.mark.django_db


def _create(client, org, **extra):
    return client.post(
        "/api/trials/",
        {
            "title": "Modtagelse efter udskrivelse",
            "question": "Hvordan tager vi bedre imod borgeren efter udskrivelse?",
            "unit_id": org.team_north.pk,
            "origin": "employee",
            "area": "coordination",
            "participant_kinds": ["employees", "relatives"],
            **extra,
        },
        content_type="application/json",
    )


def test_api_create_list_detail_and_transition(client, org, roles, person_user):
    login(client, roles.leader)
    response = _create(client, org)
    assert response.status_code == 201, response.content
    trial_id = response.json()["id"]
    assert response.json()["stage"] == "idea"
    listing = client.get("/api/trials/", {"stage": "idea"}).json()
    assert [t["id"] for t in listing["items"]] == [trial_id]
    assert listing["items"][0]["unit_name"] == "Team Nord"
    detail = client.get(f"/api/trials/{trial_id}").json()
    assert [c["to_stage"] for c in detail["stage_history"]] == ["idea"]
    # The leader of a sibling team may not move it; the leader above it may.
    url = f"/api/trials/{trial_id}/transition"
    payload = {"to_stage": "approved"}
    login(client, person_user(org.people["P5"]))
    assert client.post(url, payload, content_type="application/json").status_code == 403
    login(client, roles.leader)
    response = client.post(url, payload, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["stage"] == "approved"
    response = client.post(url, {"to_stage": "evaluated"}, content_type="application/json")
    assert response.status_code == 422
    assert Trial.objects.get().stage == Stage.APPROVED


def test_api_validation_message_and_nothing_saved(client, org, roles):
    login(client, roles.leader)
    response = _create(client, org, start_date="2026-05-01", end_date="2026-04-01")
    assert response.status_code == 422
    assert not Trial.objects.exists()


def test_api_hides_trust_tests_from_others(client, org, roles):
    test = services.plan_trust_test(
        by=roles.leader,
        subject_person=org.people["P2"],
        task="Aftale besøgstider",
        step_from=3,
        step_to=4,
        risk="low",
    )
    login(client, roles.politician)
    assert client.get(f"/api/trials/{test.pk}").status_code == 404
    assert client.get("/api/trials/").json()["count"] == 0
    login(client, roles.leader)
    assert client.get(f"/api/trials/{test.pk}").json()["step_to"] == 4


def test_api_requires_login(client, org):
    assert client.get("/api/trials/").status_code == 401
