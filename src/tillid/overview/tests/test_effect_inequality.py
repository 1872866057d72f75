import pytest

from tillid.organisation.testing import login
from tillid.overview.tests import effect_world

pytestmark = pytest.mark.django_db


def test_the_inequality_watch_shows_the_spread_and_the_freed_units(client, roles, org, monkeypatch):
    effect_world.build(monkeypatch, org)
    login(client, roles.consultant)
    response = client.get(
        "/overblik/virkning/ulighed/",
        {"outcome": effect_world.OUTCOME, "within": "", "kind": "institution"},
    )
    assert response.status_code == 200
    watch = response.context["watch"]
    assert watch.units == 8
    assert watch.watch.pulling_away.took_part == 4
    text = response.content.decode()
    assert "Forskel mellem øverste og nederste femtedel" in text
    assert "<caption>" in text


def test_the_watch_without_figures_says_so(client, roles, org, monkeypatch):
    effect_world.build(monkeypatch, org)
    login(client, roles.consultant)
    response = client.get("/overblik/virkning/ulighed/", {"kind": "team", "within": ""})
    assert response.status_code == 200
    assert response.context["watch"].watch is None
    login(client, roles.nobody)
    assert client.get("/overblik/virkning/ulighed/").status_code == 403
