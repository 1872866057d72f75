"""The "Effects and inequality" panel on /overblik/ and in the council report."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tillid.core.indicators import PublishedDecision
from tillid.organisation.testing import login
from tillid.overview import reports, selectors
from tillid.overview.tests import effect_world
from tillid.overview.tests.test_report import pdf_pages

pytestmark = pytest.mark.django_db


def decided(monkeypatch, ids=(7,)):
    """The period's published decisions: four-F decisions with their review's number."""
    rows = [
        PublishedDecision(
            decided_on=dt.date(2025, 1, 15),
            kind="four_f",
            kind_label="Firefeltsbeslutning",
            title=f"Dobbeltdokumentation {i}",
            layer="Kommunalt",
            decision="Fjerne",
            rationale="",
            hours_freed=None,
            dkk_freed=None,
            url=reverse("governance:review", args=[i]),
            decision_id=i,
        )
        for i in ids
    ]
    monkeypatch.setattr(selectors, "published_decisions", lambda **kwargs: rows)


@pytest.fixture(autouse=True)
def no_cache(settings):
    settings.TILLID_OVERVIEW_CACHE_SECONDS = 0


def test_the_overview_shows_the_watch_and_the_grades_in_words(client, roles, org, monkeypatch):
    effect_world.build(monkeypatch, org, touched=4, effect=8.0)
    decided(monkeypatch)
    login(client, roles.consultant)
    response = client.get("/overblik/virkning-og-ulighed/", {"unit": org.elder.pk})
    assert response.status_code == 200
    effects = response.context["effects"]
    assert [d.decision_id for d in effects.decisions] == [7]
    assert effects.counts[0].count == 1
    assert effects.facts
    assert not effects.no_watch
    text = response.content.decode()
    assert "Virkning og ulighed" in text
    assert "Forskel mellem øverste og nederste femtedel" in text
    assert "Trækker de frisatte enheder fra?" in text
    assert effects.summary in text
    assert f"1 firefeltsbeslutning i perioden: {effects.summary}." in text
    # Links to the inequality watch and the group page for the scope, and the decision's page.
    assert f"within={org.elder.pk}" in effects.watch_url
    assert f"area={org.elder.pk}" in effects.group_url
    assert effects.watch_url.replace("&", "&amp;") in text
    assert reverse("overview:effect_decision", args=[7]) in text
    for label, value in effects.facts:
        assert label in text
        assert value in text


def test_too_few_touched_units_cannot_be_told(client, roles, org, monkeypatch):
    effect_world.build(monkeypatch, org, touched=2)
    decided(monkeypatch)
    login(client, roles.consultant)
    effects = client.get("/overblik/virkning-og-ulighed/", {"unit": org.elder.pk}).context[
        "effects"
    ]
    assert [(c.grade, c.count) for c in effects.counts] == [("cannot_tell", 1)]
    assert effects.summary == "1 kan ikke afgøres"
    assert effects.decisions[0].why.startswith("Kun 2 enheder blev berørt")


def test_without_rounds_or_decisions_the_panel_says_so(client, roles, org, monkeypatch):
    effect_world.build(monkeypatch, org)
    monkeypatch.setattr(effect_world.data, "outcome_values", lambda outcome, unit_ids: None)
    decided(monkeypatch, ids=())
    login(client, roles.consultant)
    response = client.get("/overblik/virkning-og-ulighed/")
    text = response.content.decode()
    assert response.context["effects"].facts == []
    assert "Der er endnu ikke tal fra to perioder for disse enheder." in text
    assert "Der blev ikke truffet firefeltsbeslutninger i denne periode." in text


def test_the_report_shows_the_same_figures_as_the_page(client, roles, org, monkeypatch):
    effect_world.build(monkeypatch, org, touched=4, effect=8.0)
    decided(monkeypatch, ids=(7, 8))
    login(client, roles.politician)
    today = timezone.localdate()
    start = today - dt.timedelta(days=365)
    shown = client.get(
        "/overblik/virkning-og-ulighed/", {"unit": org.elder.pk, "start": start.isoformat()}
    )
    effects = shown.context["effects"]
    page = selectors.report_page(
        scope=selectors.scope_of(org.elder),
        scope_name=org.elder.name,
        period=selectors.Period(start, today),
        today=today,
    )
    assert page.effects == effects
    _document, pdf = reports.render_pdf(reports.report_html(page))
    text = " ".join(page_text for page_text, _image in pdf_pages(pdf))
    assert "Virkning og ulighed" in text
    assert effects.summary in text  # decision 8 is unknown: it cannot be told
    assert "kan ikke afgøres" in effects.summary
    for label, value in effects.facts:
        assert label in text
        assert value in text
    for flag in effects.flags:
        assert flag in text

    book = load_workbook(io.BytesIO(reports.report_xlsx(page)))
    rows = list(book["Virkning og ulighed"].iter_rows(values_only=True))
    cells = {(r[0], r[1]) for r in rows if r and r[0]}
    for label, value in effects.facts:
        assert (label, value) in cells
    for count in effects.counts:
        assert (count.label, count.count) in cells
    assert ("Dobbeltdokumentation 8", "Kan ikke afgøres") in {(r[1], r[2]) for r in rows if r}
    for d in effects.decisions:
        assert d.why in text


def test_the_overview_asks_for_the_panel_after_it_is_shown(client, roles, org, monkeypatch):
    """Grading every decision takes seconds: the tracks come first, the panel by htmx."""
    effect_world.build(monkeypatch, org, touched=4, effect=8.0)
    decided(monkeypatch)
    login(client, roles.consultant)
    page = client.get("/overblik/", {"unit": org.elder.pk})
    assert "effects" not in page.context
    assert f'hx-get="/overblik/virkning-og-ulighed/?unit={org.elder.pk}"' in page.content.decode()
    part = client.get(
        "/overblik/virkning-og-ulighed/", {"unit": org.elder.pk}, headers={"HX-Request": "true"}
    )
    assert part.content.decode().lstrip().startswith('<section aria-labelledby="effects"')
    assert "Forskel mellem øverste og nederste femtedel" in part.content.decode()
