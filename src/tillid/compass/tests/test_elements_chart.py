"""The compass chart (issue 14.3): four bars with intervals and the organisation's
mark, hidden elements shown as hidden, and the same spec on the page and in the PDF."""

import pytest
from django.urls import reverse
from django.utils import translation

from tillid.compass import charts, exports
from tillid.compass.tests.test_results import closed  # noqa: F401  (fixture)
from tillid.organisation.testing import login

pytestmark = pytest.mark.django_db

ELEMENTS = [
    {"name": "Tillid", "score": 64.24, "low": 58.1, "high": 70.3, "organisation": 61.0},
    {"name": "Kompetence", "score": 55.0, "low": 50.0, "high": 60.0, "organisation": 58.0},
    {"name": "Ressourcer", "score": None, "low": None, "high": None, "organisation": 52.0},
    {"name": "Samarbejde", "score": 71.5, "low": None, "high": None, "organisation": 66.0},
]


def _layers(spec):
    out = []
    for layer in spec["layer"]:
        out.extend(_layers(layer) if "layer" in layer else [layer])
    return out


def _mark(layer):
    mark = layer["mark"]
    return mark["type"] if isinstance(mark, dict) else mark


def test_four_bars_with_intervals_and_the_organisation_as_a_mark():
    with translation.override("da"):
        spec = charts.elements_spec(ELEMENTS, title="De fire elementer")
    layers = _layers(spec)
    marks = [_mark(layer) for layer in layers]
    assert marks.count("bar") == 1
    assert "rule" in marks  # the interval
    bar = layers[marks.index("bar")]
    assert bar["encoding"]["x"]["field"] == "score"
    assert bar["encoding"]["x"]["scale"]["domain"] == [0, 100]
    assert bar["encoding"]["x"]["title"] == "Score (0–100)"
    assert bar["encoding"]["y"]["field"] == "element"
    assert bar["encoding"]["y"]["sort"] == ["Tillid", "Kompetence", "Ressourcer", "Samarbejde"]
    rule = layers[marks.index("rule")]
    assert (rule["encoding"]["x"]["field"], rule["encoding"]["x2"]["field"]) == ("low", "high")
    organisation = [
        layer
        for layer in layers
        if _mark(layer) == "tick" and layer["encoding"]["x"]["field"] == "organisation"
    ]
    assert len(organisation) == 1
    assert organisation[0]["encoding"]["color"]["field"] == "series"
    assert bar["encoding"]["color"]["scale"]["domain"] == ["Denne enhed", "Hele organisationen"]
    # Every element keeps its row; the hidden one says so in Danish.
    values = {v["element"]: v for v in spec["data"]["values"]}
    assert list(values) == ["Tillid", "Kompetence", "Ressourcer", "Samarbejde"]
    assert values["Tillid"] == {
        "element": "Tillid",
        "score": 64.2,
        "low": 58.1,
        "high": 70.3,
        "organisation": 61.0,
        "hidden": "",
    }
    assert values["Ressourcer"]["score"] is None
    assert values["Ressourcer"]["hidden"] == "Skjult (for få svar)"
    assert values["Ressourcer"]["organisation"] == 52.0
    texts = [layer for layer in layers if _mark(layer) == "text"]
    assert any(t["encoding"]["text"]["field"] == "hidden" for t in texts)


def test_no_chart_when_every_element_is_hidden():
    hidden = [dict(e, score=None, low=None, high=None) for e in ELEMENTS]
    assert charts.elements_spec(hidden, title="x") is None


def test_the_chart_draws_as_svg_in_danish():
    with translation.override("da"):
        from tillid.core.charts import to_svg

        svg = to_svg(charts.elements_spec(ELEMENTS, title="De fire elementer"))
    assert svg.startswith("<svg")
    assert "Skjult (for få svar)" in svg
    assert "Hele organisationen" in svg


def test_page_and_pdf_use_the_same_figures_as_the_table(client, closed, org, roles, monkeypatch):  # noqa: F811
    login(client, roles.administrator)
    page = client.get(reverse("compass:results", args=[closed.pk, org.care_home.pk]))
    spec = page.context["elements_chart"]
    body = page.content.decode()
    assert 'id="elements-spec"' in body
    # The chart's figures are the table's figures.
    values = {v["element"]: v for v in spec["data"]["values"]}
    for row in page.context["compass_rows"]:
        v = values[row.name]
        assert v["score"] == round(row.score.mean, 1)
        assert v["organisation"] == round(row.organisation.mean, 1)
    drawn = []
    real = exports.core_charts.to_svg
    monkeypatch.setattr(exports.core_charts, "to_svg", lambda s: drawn.append(s) or real(s))
    pdf = client.get(reverse("compass:results_pdf", args=[closed.pk, org.care_home.pk]))
    assert pdf.status_code == 200
    assert drawn == [spec]
