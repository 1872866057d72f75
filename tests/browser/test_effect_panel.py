"""The overview's "Virkning og ulighed" panel in the browser: the watch in words,
the grades counted, the links to the watch and the decision's effect page; axe
finds nothing serious."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, js_errors, login
from tillid.overview.tests import effect_world
from tillid.overview.tests.test_effect_panel import decided

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_consultant_reads_the_effects_panel(page, live_server, org, roles, monkeypatch, settings):
    settings.TILLID_OVERVIEW_CACHE_SECONDS = 0
    effect_world.build(monkeypatch, org)
    decided(monkeypatch)
    login(page, live_server, roles.consultant)
    page.goto(f"/overblik/?unit={org.elder.pk}")
    panel = page.locator("section.tillid-effects")
    # The panel arrives after the page (htmx): wait for it.
    expect(panel).to_contain_text("Forskel mellem øverste og nederste femtedel")
    assert "Virkning og ulighed" in panel.inner_text()
    assert "Forskel mellem øverste og nederste femtedel" in panel.inner_text()
    assert "1 firefeltsbeslutning i perioden" in panel.inner_text()
    panel.locator("details summary").click()
    assert_accessible(page, "the overview's effects panel")
    with page.expect_navigation():
        panel.locator("a", has_text="Ulighedsvagten").click()
    assert "/overblik/virkning/ulighed/" in page.url
    assert page.locator("h1").inner_text() == "Er frisættelsen skæv?"
    page.go_back()
    page.locator("section.tillid-effects details summary").click()
    with page.expect_navigation():
        page.locator("section.tillid-effects a", has_text="Dobbeltdokumentation 7").click()
    assert "/overblik/virkning/beslutning/7/" in page.url
    assert js_errors(page) == []
