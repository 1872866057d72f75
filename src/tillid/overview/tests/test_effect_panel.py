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
    monkeypatch.setattr(
        effect_world.data, "outcome_values", lambda outcome, unit_ids, treatment=None: None
    )
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


MEASURES = {
    "governance:freed_hours": ("Frisatte timer pr. medarbejder", 2),
    "delegation:dosing_steps": ("Tillidsdosering: trin", 3),
}


def _sd_text(values, period):
    """The standard deviation of the period's figures, by hand, as the page writes it."""
    import statistics

    sd = statistics.stdev(v["value"] for v in values if v["period"] == period)
    return f"{sd:.1f}".replace(".", ",")


def test_every_offered_measure_has_its_watch_in_the_settings_order(
    client, roles, org, monkeypatch, settings
):
    """Freed hours and dosing steps are offered, trials not: two watches after the
    trust score, in the order of the setting, each with its own figures."""
    world = effect_world.build(monkeypatch, org, touched=4, effect=8.0, extra=MEASURES)
    decided(monkeypatch)
    settings.TILLID_INEQUALITY_MEASURES = [
        "compass:*first*",
        "delegation:dosing_steps",
        "trials:running",  # no module offers it here: skipped
        "governance:freed_hours",
    ]
    login(client, roles.consultant)
    response = client.get("/overblik/virkning-og-ulighed/", {"unit": org.elder.pk})
    effects = response.context["effects"]
    assert [w.outcome for w in effects.watches] == [
        "compass:trust",
        "delegation:dosing_steps",
        "governance:freed_hours",
    ]
    assert [w.label for w in effects.watches] == [
        "Tillidskompasset: Tillid",
        "Tillidsdosering: trin",
        "Frisatte timer pr. medarbejder",
    ]
    text = response.content.decode()
    for watch, factor in zip(effects.watches, (1, 3, 2), strict=True):
        assert not watch.no_watch
        facts = dict(watch.facts)
        scaled = [dict(v, value=v["value"] * factor) for v in world.values]
        before, after = _sd_text(scaled, 1), _sd_text(scaled, 4)
        assert facts["Standardafvigelse"] == (f"{before} i Forår 2024, {after} i Efterår 2025")
        assert f"outcome={watch.outcome.replace(':', '%3A')}" in watch.url
        assert watch.url.replace("&", "&amp;") in text
        assert f'data-outcome="{watch.outcome}"' in text
        assert watch.label in text
        for label, value in watch.facts:
            assert label in text
            assert value in text
        for flag in watch.flags:
            assert flag in text
    assert "trials:running" not in text
    assert effects.decisions[0].decision_id == 7


def test_the_freed_units_are_asked_for_once_for_all_measures(org, monkeypatch):
    from tillid.overview.effects import summary

    effect_world.build(monkeypatch, org, touched=4, effect=8.0, extra=MEASURES)
    asked = []
    original = effect_world.data.treatment

    def counting(**kwargs):
        if kwargs.get("group") is not None:
            asked.append(kwargs["group"])
        return original(**kwargs)

    monkeypatch.setattr(effect_world.data, "treatment", counting)
    panel = summary.effect_panel(unit=org.elder, decisions=[], draws=99)
    assert len(panel.watches) == 3
    assert asked == [{"decision": "remove"}, {"decision": "change"}, {"trials": True}]


def test_without_a_compass_the_other_measures_are_still_watched(org, monkeypatch, settings):
    from tillid.overview.effects import summary

    effect_world.build(monkeypatch, org, extra=MEASURES)
    choices = [(k, v[0]) for k, v in MEASURES.items()]
    monkeypatch.setattr(effect_world.data, "outcome_choices", lambda: choices)
    panel = summary.effect_panel(unit=org.elder, decisions=[], draws=99)
    assert [w.outcome for w in panel.watches] == [
        "governance:freed_hours",
        "delegation:dosing_steps",
    ]
    settings.TILLID_INEQUALITY_MEASURES = ["compass:*first*", "trials:running"]
    assert summary.effect_panel(unit=org.elder, decisions=[], draws=99).watches == []


def test_the_report_shows_every_watch_as_the_page(client, roles, org, monkeypatch):
    effect_world.build(monkeypatch, org, touched=4, effect=8.0, extra=MEASURES)
    decided(monkeypatch, ids=(7,))
    login(client, roles.politician)
    today = timezone.localdate()
    start = today - dt.timedelta(days=365)
    shown = client.get(
        "/overblik/virkning-og-ulighed/", {"unit": org.elder.pk, "start": start.isoformat()}
    )
    effects = shown.context["effects"]
    assert len(effects.watches) == 3
    page = selectors.report_page(
        scope=selectors.scope_of(org.elder),
        scope_name=org.elder.name,
        period=selectors.Period(start, today),
        today=today,
    )
    assert page.effects == effects
    _document, pdf = reports.render_pdf(reports.report_html(page))
    text = " ".join(page_text for page_text, _image in pdf_pages(pdf))
    book = load_workbook(io.BytesIO(reports.report_xlsx(page)))
    rows = [r for r in book["Virkning og ulighed"].iter_rows(values_only=True) if r and r[0]]
    # The sheet gives each watch its own block: its heading, then its facts.
    headings = [i for i, r in enumerate(rows) if r[0] == "Ulighedsvagten"]
    assert [rows[i][1] for i in headings] == [w.label for w in effects.watches]
    for n, watch in enumerate(effects.watches):
        assert watch.label in text
        end = headings[n + 1] if n + 1 < len(headings) else len(rows)
        block = {(r[0], r[1]) for r in rows[headings[n] : end]}
        for label, value in watch.facts:
            assert label in text
            assert value in text
            assert (label, value) in block
        for flag in watch.flags:
            assert flag in text
            assert ("Hold øje", flag) in block
