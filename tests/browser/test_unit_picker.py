"""The one unit picker, in a real browser: a consultant opening a round searches
for a team by name, sees it with its whole path and chooses it."""

from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, js_errors, login


def test_consultant_finds_a_team_by_name_and_sees_its_path(page, live_server, roles, org):
    login(page, live_server, roles.consultant)
    page.goto(reverse("compass:round_new"))
    select = page.locator("select#id_root")
    path = "Social og Sundhed › Ældreområdet › Plejecenter Egely › Team Nord"
    # Without searching, the list names every unit by its path, grouped by the top unit.
    assert path in select.inner_text()
    assert page.locator("select#id_root optgroup").count() >= 1
    page.get_by_label("Søg efter en enhed ved navn").fill("nord")
    hit = page.get_by_role("button", name=path)
    expect(hit).to_be_visible()
    assert_accessible(page, "the round form with unit hits")
    hit.click()
    assert select.evaluate("el => el.value") == str(org.team_north.pk)
    assert js_errors(page) == []
