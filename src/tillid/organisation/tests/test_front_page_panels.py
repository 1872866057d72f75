from tillid.core import contracts
from tillid.core.nav import FrontPanel, FrontPanelItem
from tillid.organisation.testing import login


def offer_panels(*, user, person):
    return [
        FrontPanel(
            title="Dine opfølgninger",
            items=(
                FrontPanelItem(
                    text="Svar på en rapport", url="/styring/", note="Forsinket", late=True
                ),
            ),
        ),
        FrontPanel(title="Tom og uden tekst"),
    ]


def test_the_front_page_shows_the_panels_modules_offer(client, roles, monkeypatch):
    monkeypatch.setattr(
        contracts,
        "_providers",
        lambda name: (("test", offer_panels),) if name == "organisation.front_page_panels" else (),
    )
    login(client, roles.employee)
    text = client.get("/").content.decode()
    assert "Dine opfølgninger" in text
    assert 'href="/styring/">Svar på en rapport</a>' in text
    assert "Tom og uden tekst" not in text
