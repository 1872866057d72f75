"""The base layout in a real browser: skip link, landmarks, focus, header, footer,
language switch, the DKFDS mobile drawer, icons and the htmx people search.

Texts are compared with what gettext gives for the language in question, so the
tests hold whether or not the Danish catalogue is compiled.
"""

import pytest
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible, axe, js_errors, login, screenshot, serious


def da(msgid: str) -> str:
    with translation.override("da"):
        return translation.gettext(msgid)


def en(msgid: str) -> str:
    with translation.override("en"):
        return translation.gettext(msgid)


def focused(page: Page) -> dict:
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            return {
                tag: el.tagName.toLowerCase(), id: el.id, cls: el.className,
                text: (el.innerText || el.value || '').trim().slice(0, 60),
                outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0,
                shadow: style.boxShadow !== 'none',
                visible: el.getBoundingClientRect().width > 0,
            };
        }"""
    )


def test_skip_link_is_first_and_moves_focus_to_main(page, live_server, roles):
    login(page, live_server, roles.leader)
    page.keyboard.press("Tab")
    first = focused(page)
    assert "skipnav" in first["cls"]
    assert first["text"] == da("Skip to the page content")
    # It slides into view when focused (a short CSS transition).
    page.wait_for_function(
        "() => document.querySelector('a.skipnav').getBoundingClientRect().top >= 0",
        timeout=2000,
    )
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main-content"
    assert page.evaluate("() => document.activeElement.tagName") == "MAIN"


def test_landmarks_header_and_footer(page, live_server, roles, settings):
    settings.TILLID_MUNICIPALITY_NAME = "Egeskov Kommune"
    login(page, live_server, roles.employee)
    expect(page.locator("html")).to_have_attribute("lang", "da")
    expect(page.get_by_role("banner")).to_have_count(1)
    expect(page.get_by_role("main")).to_have_count(1)
    expect(page.get_by_role("contentinfo")).to_have_count(1)
    menu = page.get_by_role("navigation", name=da("Main menu"))
    expect(menu).to_have_count(1)  # the drawer's copy is hidden on a desktop
    expect(menu.get_by_role("link")).not_to_have_count(0)
    banner = page.get_by_role("banner")
    expect(banner).to_contain_text("Egeskov Kommune")
    assert "Egeskov Kommune" in page.title()
    expect(page.locator("main h1")).to_have_count(1)

    footer = page.get_by_role("contentinfo")
    statement = footer.get_by_role("link", name=da("Accessibility statement"))
    expect(statement).to_have_attribute("href", reverse("accessibility"))
    statement.click()
    expect(page.locator("main h1")).to_have_text(da("Accessibility statement"))
    assert_accessible(page, "the accessibility statement")


def test_accessibility_statement_is_public(page, live_server, org):
    response = page.goto(reverse("accessibility"))
    assert response.status == 200
    assert page.url.endswith(reverse("accessibility"))
    expect(page.locator("main h1")).to_have_text(da("Accessibility statement"))
    # No menu and no log-out for a visitor who is not logged in.
    expect(page.locator(".js-menu-open")).to_have_count(0)
    expect(page.locator(".log-off")).to_have_count(0)


def test_every_focusable_element_shows_focus(page, live_server, roles):
    login(page, live_server, roles.administrator)
    page.goto(reverse("organisation:people"))
    seen = []
    for _ in range(60):
        page.keyboard.press("Tab")
        info = focused(page)
        if info["tag"] == "body" or (seen and info == seen[0]):
            break
        seen.append(info)
    assert len(seen) > 15, f"too few tab stops: {seen}"
    invisible = [f for f in seen if f["visible"] and not (f["outline"] or f["shadow"])]
    assert not invisible, f"focus is not visible on: {invisible}"
    # The tab order reaches the footer's language buttons.
    assert any("tillid-language-button" in str(f["cls"]) for f in seen)


def test_language_switch_to_english_and_back(page, live_server, roles):
    login(page, live_server, roles.employee)
    page.goto(reverse("organisation:tree"))
    path = reverse("organisation:tree")
    log_out = page.locator(".portal-user .log-off")
    expect(log_out).to_have_text(da("Log out"))

    with page.expect_navigation():
        page.locator("footer button[lang=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.url.endswith(path), "the switch keeps the visitor on the same page"
    expect(page.locator("a.skipnav")).to_have_text(en("Skip to the page content"))
    expect(log_out).to_have_text("Log out")
    expect(page.locator("main h1")).to_have_text("Organisation")
    expect(page.locator("footer button[lang=en]")).to_have_attribute("aria-current", "true")
    assert_accessible(page, "the organisation page in English")

    with page.expect_navigation():
        page.locator("footer button[lang=da]").click()
    expect(page.locator("html")).to_have_attribute("lang", "da")
    expect(log_out).to_have_text(da("Log out"))
    expect(page.locator("footer button[lang=da]")).to_have_attribute("aria-current", "true")


def test_phone_menu_opens_and_closes_the_drawer(phone_page, live_server, roles):
    page = phone_page
    login(page, live_server, roles.consultant)
    drawer = page.locator(".mobile-drawer")
    desktop_menu = page.locator(".navigation-menu")
    opener = page.locator(".js-menu-open")
    expect(desktop_menu).to_be_hidden()
    expect(drawer).to_be_hidden()
    expect(page.locator(".portal-user")).to_be_hidden()
    expect(opener).to_be_visible()
    screenshot(page, "layout--phone-front-page")

    opener.click()
    expect(drawer).to_be_visible()
    # Let the drawer's slide-in finish: dkfds.js checks the close button's size
    # on resize and closes a drawer it believes is off-screen.
    page.wait_for_function("() => document.getAnimations().every(a => a.playState !== 'running')")
    expect(page.locator(".overlay")).to_have_class("overlay is-visible")
    mobile_menu = drawer.get_by_role("navigation", name=da("Main menu"))
    link = mobile_menu.get_by_role("link", name=da("Organisation"))
    expect(link).to_be_visible()
    # On a phone the drawer also holds the log-out, hidden from the header there.
    expect(drawer.locator(".log-off")).to_be_visible()
    expect(page.locator(".js-menu-close")).to_be_focused()
    assert not serious(axe(page)), "the open drawer must be accessible"
    # The viewport only: a full-page shot resizes, and dkfds.js may then close the drawer.
    screenshot(page, "layout--phone-drawer-open", full_page=False)
    expect(drawer).to_be_visible()

    page.locator(".js-menu-close").click()
    expect(drawer).to_be_hidden()
    expect(opener).to_be_focused()

    # Escape closes it too, and a menu link leads on.
    opener.click()
    expect(drawer).to_be_visible()
    # Let the drawer's slide-in finish: dkfds.js checks the close button's size
    # on resize and closes a drawer it believes is off-screen.
    page.wait_for_function("() => document.getAnimations().every(a => a.playState !== 'running')")
    page.keyboard.press("Escape")
    expect(drawer).to_be_hidden()
    opener.click()
    with page.expect_navigation():
        link.click()
    assert page.url.endswith(reverse("organisation:tree"))
    expect(page.locator(".mobile-drawer")).to_be_hidden()
    assert not js_errors(page)


def test_phone_pages_are_accessible(phone_page, live_server, roles):
    login(phone_page, live_server, roles.administrator)
    for name in ["home", "organisation:tree", "organisation:people", "organisation:roles"]:
        phone_page.goto(reverse(name))
        screenshot(phone_page, f"layout--phone-{name.replace(':', '-')}")
        assert_accessible(phone_page, f"{name} on a phone")
        width = phone_page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390, f"{name} scrolls sideways on a phone ({width}px)"


def test_icons_from_the_sprite_are_drawn(page, phone_page, live_server, roles):
    for p in (page, phone_page):
        login(p, live_server, roles.leader)
        sizes = p.evaluate(
            """() => [...document.querySelectorAll('svg.icon-svg')]
                .filter(svg => svg.getBoundingClientRect().width > 0)
                .map(svg => svg.querySelector('use').getBBox().width)"""
        )
        assert sizes, "no visible icon to check"
        assert all(w > 0 for w in sizes), f"an icon did not load from the sprite: {sizes}"


def test_people_search_updates_as_you_type(page, live_server, roles):
    login(page, live_server, roles.administrator)
    page.goto(reverse("organisation:people"))
    rows = page.locator("#people-results tbody tr")
    expect(rows).to_have_count(7)
    page.evaluate("() => { window.notReloaded = true; }")

    page.locator("#id_q").press_sequentially("Sofie", delay=20)
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Sofie Jensen")
    assert page.evaluate("() => window.notReloaded === true"), "htmx, not a page load"
    assert "q=Sofie" in page.url, "the search is in the address, so it can be shared"

    page.locator("#id_q").fill("ingen-hedder-sådan")
    expect(page.locator("#people-results")).to_contain_text(da("No people match the search."))
    page.locator("#id_q").fill("")
    page.locator("#id_leaders").check()
    expect(rows).to_have_count(3)  # Mette, Hanne, Peter lead units
    assert_accessible(page, "the people search with results")


def test_login_errors_are_announced_and_accessible(page, live_server, roles):
    page.goto(reverse("login"))
    page.fill("#id_username", roles.employee.username)
    page.fill("#id_password", "forkert")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text(
        da("The username or password is wrong. Both fields are case-sensitive.")
    )
    assert_accessible(page, "the login page with an error")


def test_not_found_page_is_danish_and_accessible(page, live_server, roles):
    login(page, live_server, roles.employee)
    response = page.goto("/findes-ikke/")
    assert response.status == 404
    expect(page.locator("html")).to_have_attribute("lang", "da")
    expect(page.locator("main h1")).to_have_text(da("The page was not found"))
    assert_accessible(page, "the 404 page")


def test_axe_check_can_fail(page, live_server, org):
    """The accessibility check is not a rubber stamp: a known violation fails it."""
    page.goto(reverse("login"))
    page.evaluate(
        """() => {
            const main = document.querySelector('main');
            main.insertAdjacentHTML('beforeend',
                '<img src="/static/core/none.png"><p style="color:#eee;background:#fff">grå</p>');
        }"""
    )
    ids = {v["id"] for v in serious(axe(page))}
    assert {"image-alt", "color-contrast"} <= ids
    with pytest.raises(pytest.fail.Exception, match="image-alt"):
        assert_accessible(page, "a page with a known violation")
