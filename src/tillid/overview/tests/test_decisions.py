import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from tillid.core import contracts
from tillid.core.indicators import PublishedDecision
from tillid.organisation.testing import login

TODAY = timezone.localdate()


def fake_decisions(*, scope, period):
    rows = [
        PublishedDecision(
            decided_on=TODAY - dt.timedelta(days=10),
            kind="four_f",
            kind_label="Firfelt-beslutning",
            title="Dobbeltregistrering af medicin",
            layer="Kommunal",
            decision="Fjerne",
            rationale="Registreres allerede i journalen.",
            hours_freed=1234.4,
            dkk_freed=567890,
            url="/styring/punkter/1/",
            unit_names=["Ældreområdet"],
        ),
        PublishedDecision(
            decided_on=TODAY - dt.timedelta(days=400),
            kind="exemption",
            kind_label="Fritagelse i en prøvehandling",
            title="Ugentlig rapport",
            layer="Forvaltning",
            decision="Sat ud af kraft",
            rationale="Prøves i et år.",
            hours_freed=None,
            dkk_freed=None,
            unit_names=["Egeskolen", "Indskoling"],
        ),
    ]
    return [d for d in rows if d.decided_on in period]


@pytest.fixture
def offered(monkeypatch):
    real = contracts.providers
    monkeypatch.setattr(
        contracts,
        "providers",
        lambda name: [("test", fake_decisions)] if name == "overview.decisions" else real(name),
    )


def test_the_list_needs_a_login_unless_published(client, roles, offered, settings):
    settings.TILLID_PUBLISH_DECISIONS = False
    response = client.get("/overblik/beslutninger/")
    assert response.status_code == 302
    assert "/login" in response["Location"] or "log" in response["Location"]
    login(client, roles.nobody)
    assert client.get("/overblik/beslutninger/").status_code == 403
    client.logout()
    settings.TILLID_PUBLISH_DECISIONS = True
    response = client.get("/overblik/beslutninger/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Dobbeltregistrering af medicin" in text
    assert 'href="/styring/punkter/1/"' not in text  # the page behind needs a login


def test_the_list_shows_every_column_and_the_sums(client, roles, offered):
    login(client, roles.politician)
    response = client.get("/overblik/beslutninger/")
    text = response.content.decode()
    assert response.context["total"] == 2
    for expected in [
        "Firfelt-beslutning", "Kommunal", "Fjerne", "Registreres allerede i journalen.",
        "1.234", "567.890", "Ældreområdet", "Egeskolen, Indskoling", "Intet tal",
        "1.234 timer om året", "567.890 kr. om året",
    ]:  # fmt: skip
        assert expected in text
    assert text.index("Dobbeltregistrering") < text.index("Ugentlig rapport")  # newest first


def test_filters_by_period_and_kind(client, roles, offered):
    login(client, roles.politician)
    response = client.get("/overblik/beslutninger/", {"kind": "exemption"})
    assert response.context["total"] == 1
    start = (TODAY - dt.timedelta(days=30)).isoformat()
    response = client.get("/overblik/beslutninger/", {"start": start})
    assert response.context["total"] == 1
    response = client.get("/overblik/beslutninger/", {"start": "2026-05-01", "end": "2026-01-01"})
    assert "Periodens slutning skal ligge på eller efter dens start." in response.content.decode()


def test_downloads_as_csv_and_xlsx(client, roles, offered):
    login(client, roles.politician)
    response = client.get("/overblik/beslutninger/", {"format": "csv", "kind": "four_f"})
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Dato;Type;Titel;Lag;Beslutning;Begrundelse")
    assert "Dobbeltregistrering af medicin" in text
    assert "Ugentlig rapport" not in text
    response = client.get("/overblik/beslutninger/", {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Dato"
    assert rows[1][2] == "Dobbeltregistrering af medicin"
    assert rows[1][6] == 1234.4
    assert rows[2][8] == "Egeskolen, Indskoling"


def test_the_modules_own_lists_render_empty(client, roles):
    login(client, roles.politician)
    response = client.get("/overblik/beslutninger/")
    assert response.status_code == 200
    assert "Ingen beslutninger i perioden." in response.content.decode()
