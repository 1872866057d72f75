from tillid.core import contracts
from tillid.organisation.testing import login
from tillid.overview.tests.test_views import fake_followups, fake_indicators


def offer(monkeypatch):
    real = contracts.providers

    def providers(name):
        if name == "overview.indicators":
            return [("test", fake_indicators)]
        if name == "overview.followups":
            return [("test", fake_followups)]
        return real(name)

    monkeypatch.setattr(contracts, "providers", providers)


def test_the_indicators_of_a_forvaltning(client, roles, org, monkeypatch):
    offer(monkeypatch)
    login(client, roles.politician)
    data = client.get("/api/overview/indicators", {"unit": org.social.pk}).json()
    assert data["unit_name"] == "Social og Sundhed"
    assert [t["track"] for t in data["tracks"]] == [
        "council", "administration", "local_leadership", "citizens", "employees",
    ]  # fmt: skip
    (found,) = data["tracks"][4]["indicators"]
    assert found["value"] == 0.25
    assert found["value_text"] == "25 %"
    assert found["organisation_value"] == 0.5
    assert found["status"] == "behind"
    assert [p["value"] for p in found["trend"]] == [0.4, 0.25]
    assert "parts" not in found


def test_follow_up_counts_only(client, roles, org, monkeypatch):
    offer(monkeypatch)
    login(client, roles.politician)
    data = client.get("/api/overview/followups").json()
    assert data == {
        "unit_id": None,
        "open": 3,
        "late": 2,
        "kinds": [{"kind": "red_tape", "label": "Bøvlmelding", "open": 3, "late": 2}],
    }
    assert "Mette Hansen" not in str(data)


def test_the_api_keeps_the_pages_rules(client, roles, org, monkeypatch):
    offer(monkeypatch)
    login(client, roles.leader)
    assert client.get("/api/overview/indicators").json()["unit_id"] == org.care_home.pk
    assert client.get("/api/overview/indicators", {"unit": org.school.pk}).status_code == 403
    response = client.get("/api/overview/indicators", {"start": "2026-05-01", "end": "2026-01-01"})
    assert response.status_code == 400
    assert "Periodens slutning" in response.json()["detail"]
    login(client, roles.nobody)
    assert client.get("/api/overview/followups").status_code in (401, 403)
