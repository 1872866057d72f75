import pytest

from tillid.organisation.permissions import Scope
from tillid.organisation.testing import login
from tillid.overview.effects import data
from tillid.overview.tests import effect_world

pytestmark = pytest.mark.django_db

URL = "/overblik/virkning/beslutning/7/"


def test_a_consultant_sees_the_estimate_its_interval_and_the_grade(client, roles, org, monkeypatch):
    effect_world.build(monkeypatch, org)
    login(client, roles.consultant)
    response = client.get(URL)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Virkede det?" in text
    assert "Anslået virkning" in text
    assert "interval" in text
    assert "Tegn på en stigning" in text or "Klar evidens for en stigning" in text
    assert "Medarbejderne viste" in text  # the team's notes beside the numbers
    effect = response.context["effect"]
    assert len(effect.treated) == 4
    assert len(effect.comparison_units) == 4
    assert effect.evidence.estimate.ci_low > 0
    assert "<caption>" in text
    assert 'id="effect-spec"' in text
    assert 'id="event-spec"' in text


def test_too_few_touched_units_say_cannot_tell_and_show_no_estimate(
    client, roles, org, monkeypatch
):
    effect_world.build(monkeypatch, org, touched=2)
    login(client, roles.consultant)
    text = client.get(URL).content.decode()
    assert "Kan ikke afgøres" in text
    assert "Anslået virkning" not in text
    assert "Kun 2 enheder blev berørt" in text


def test_units_hidden_by_the_anonymity_rules_are_counted(client, roles, org, monkeypatch):
    effect_world.build(monkeypatch, org, hidden=(7,))
    login(client, roles.consultant)
    response = client.get(URL)
    assert response.context["effect"].left_out == 1
    assert "1 enhed havde for få svar" in response.content.decode()
    assert response.context["effect"].evidence.design.comparison_units == 3


def test_the_trial_page_and_the_group_page(client, roles, org, monkeypatch):
    effect_world.build(monkeypatch, org)
    login(client, roles.consultant)
    assert client.get("/overblik/virkning/proevehandling/9/").status_code == 200
    page = client.get("/overblik/virkning/gruppe/")
    assert page.status_code == 200
    assert "Vælg beslutningerne" in page.content.decode()
    page = client.get(
        "/overblik/virkning/gruppe/",
        {
            "decision": "remove",
            "area": "",
            "year": "",
            "outcome": effect_world.OUTCOME,
            "comparison": "area",
        },
    )
    assert page.status_code == 200
    assert page.context["effect"].evidence is not None


def test_bad_ids_give_a_danish_404_and_roles_without_the_overview_get_403(
    client, roles, org, monkeypatch
):
    effect_world.build(monkeypatch, org)
    login(client, roles.consultant)
    response = client.get("/overblik/virkning/beslutning/999/")
    assert response.status_code == 404
    assert "Der er ingen fire F-beslutning med dette nummer" in response.content.decode()
    assert client.get("/overblik/virkning/proevehandling/999/").status_code == 404
    login(client, roles.nobody)
    assert client.get(URL).status_code == 403


def test_a_narrower_scope_leaves_the_units_outside_it_out(org, monkeypatch):
    # VIEW_OVERVIEW reaches every unit today; the page still asks for the scope.
    world = effect_world.build(monkeypatch, org)
    effect = data.effect_data(
        world.found,
        outcome=effect_world.OUTCOME,
        comparison=data.COMPARE_AREA,
        scope=Scope(everything=False, paths=(org.children.path,)),
    )
    assert effect.treated == []
    assert effect.out_of_scope == 4
    assert effect.evidence is None


def test_the_user_may_choose_the_comparison_units(client, roles, org, monkeypatch):
    world = effect_world.build(monkeypatch, org)
    login(client, roles.consultant)
    chosen = [str(u.pk) for u in world.homes[4:7]]
    response = client.get(
        URL, {"outcome": effect_world.OUTCOME, "comparison": "chosen", "units": chosen}
    )
    effect = response.context["effect"]
    assert [str(u.pk) for u in effect.comparison_units] == chosen
    assert effect.evidence.design.comparison_units == 3
    # Touched units cannot be chosen as comparison units.
    choices = dict(response.context["form"].fields["units"].choices)
    assert str(world.treated[0].pk) not in choices
