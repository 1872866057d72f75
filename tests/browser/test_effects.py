"""A consultant opens a four-F decision's effect page: the chart, the table, the
estimate with its interval and the grade in Danish; axe finds nothing serious."""

import pytest

from tests.browser.conftest import assert_accessible, js_errors, login
from tillid.overview.tests import effect_world

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_consultant_opens_a_decisions_effect_page(page, live_server, org, roles, monkeypatch):
    effect_world.build(monkeypatch, org)
    login(page, live_server, roles.consultant)
    page.goto("/overblik/virkning/beslutning/7/")
    main = page.inner_text("main")
    assert "Anslået virkning" in main
    assert "Medarbejderne viste" in main
    page.wait_for_selector("#effect-chart svg, #effect-chart canvas", timeout=10000)
    page.wait_for_selector("#event-chart svg, #event-chart canvas", timeout=10000)
    assert_accessible(page, "the effect page of a decision")
    page.select_option("#id_comparison", "kind")
    with page.expect_navigation():
        page.click("main form button")
    assert "comparison=kind" in page.url
    assert js_errors(page) == []


def test_below_the_minimum_the_page_cannot_tell(page, live_server, org, roles, monkeypatch):
    effect_world.build(monkeypatch, org, touched=2)
    login(page, live_server, roles.consultant)
    page.goto("/overblik/virkning/beslutning/7/")
    main = page.inner_text("main")
    assert "Kan ikke afgøres" in main
    assert "Anslået virkning" not in main
    assert_accessible(page, "an effect page that cannot tell")
