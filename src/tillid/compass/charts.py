"""Vega-Lite specifications (built with altair, see tillid.core.charts) for the compass
pages and the PDF."""

import json

import altair as alt
from django.utils.translation import gettext as _

from tillid.core import charts

UNIT_COLOUR = "#5b8fc9"
ORGANISATION_COLOUR = "#b04a00"
INTERVAL_COLOUR = "#1a1a1a"


def elements_spec(elements: list[dict], *, title: str) -> dict | None:
    """Four horizontal bars, one per compass element, read at a glance.

    Each bar is the unit's score (0–100) with its 95 % interval as an error
    bar; an orange tick marks the whole organisation. `elements` are
    {"name", "score", "low", "high", "organisation"} (floats or None, from the
    anonymity-checked results); an element whose score is hidden keeps its
    row, with the words "hidden (too few answers)" instead of a bar, so a
    leader sees that it is suppressed rather than missing. The page
    (vega-embed) and the PDF (core.charts.to_svg) draw this same spec.
    """
    if not any(e["score"] is not None for e in elements):
        return None
    hidden = _("Hidden (too few answers)")
    values = [
        {
            "element": e["name"],
            "score": _rounded(e["score"]),
            "low": _rounded(e.get("low")) if e["score"] is not None else None,
            "high": _rounded(e.get("high")) if e["score"] is not None else None,
            "organisation": _rounded(e.get("organisation")),
            "hidden": hidden if e["score"] is None else "",
        }
        for e in elements
    ]
    # Only the data differs between units: the chart is built once per language.
    spec = charts.template(
        _elements_template,
        str(title),
        _("This unit"),
        _("Whole organisation"),
        _("Score (0–100)"),
        _("95 % interval"),
        tuple(e["name"] for e in elements),
    )
    spec["data"] = {"values": values}
    return spec


def element_values(rows) -> list[dict]:
    """The chart's figures from the result rows (compass DimensionRow), nothing else."""
    return [
        {
            "name": r.name,
            "score": r.score.mean if r.score else None,
            "low": r.score.low if r.score else None,
            "high": r.score.high if r.score else None,
            "organisation": r.organisation.mean if r.organisation else None,
        }
        for r in rows
    ]


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _elements_template(
    title: str, unit: str, organisation: str, axis: str, interval: str, order: tuple
) -> dict:
    placeholder = [
        {"element": "", "score": 0.0, "low": 0.0, "high": 0.0, "organisation": 0.0, "hidden": ""}
    ]
    series = alt.Color(
        "series:N",
        title=None,
        scale=alt.Scale(domain=[unit, organisation], range=[UNIT_COLOUR, ORGANISATION_COLOUR]),
        legend=alt.Legend(orient="bottom", title=None, symbolType="square"),
    )
    y = alt.Y("element:N", title=None, sort=list(order), axis=alt.Axis(labelLimit=220))
    x_scale = alt.Scale(domain=[0, 100], nice=False)
    base = alt.Chart(alt.Data(values=placeholder))
    tooltip = [
        alt.Tooltip("element:N", title=_("Element")),
        alt.Tooltip("score:Q", title=unit, format=".0f"),
        alt.Tooltip("low:Q", title=_("Interval from"), format=".0f"),
        alt.Tooltip("high:Q", title=_("Interval to"), format=".0f"),
        alt.Tooltip("organisation:Q", title=organisation, format=".0f"),
    ]
    bars = (
        base.transform_filter("datum.score != null")
        .transform_calculate(series=json.dumps(unit))
        .mark_bar(height={"band": 0.6})
        .encode(
            y=y,
            x=alt.X(
                "score:Q",
                title=axis,
                scale=x_scale,
                axis=alt.Axis(values=[0, 25, 50, 75, 100], grid=True),
            ),
            color=series,
            tooltip=tooltip,
        )
    )
    errors = (
        base.transform_filter("datum.score != null && datum.low != null")
        .mark_rule(color=INTERVAL_COLOUR, strokeWidth=2)
        .encode(
            y=y,
            x=alt.X("low:Q", scale=x_scale, title=axis),
            x2="high:Q",
            tooltip=tooltip,
        )
    )
    ends = alt.layer(
        *[
            base.transform_filter(f"datum.score != null && datum.{end} != null")
            .mark_tick(color=INTERVAL_COLOUR, thickness=2, size=12)
            .encode(y=y, x=alt.X(f"{end}:Q", scale=x_scale, title=axis))
            for end in ("low", "high")
        ]
    )
    marker = (
        base.transform_filter("datum.organisation != null")
        .transform_calculate(series=json.dumps(organisation))
        .mark_tick(thickness=4, size=30)
        .encode(
            y=y,
            x=alt.X("organisation:Q", scale=x_scale, title=axis),
            color=series,
            tooltip=tooltip,
        )
    )
    labels = (
        base.transform_filter("datum.score != null")
        .transform_calculate(
            at="max(datum.score, datum.high == null ? 0 : datum.high, "
            "datum.organisation == null ? 0 : datum.organisation)"
        )
        .mark_text(align="left", dx=8, fontSize=13, fontWeight="bold", fill="#1a1a1a")
        .encode(y=y, x=alt.X("at:Q", scale=x_scale), text=alt.Text("score:Q", format=".0f"))
    )
    hidden = (
        base.transform_filter("datum.hidden != ''")
        .mark_text(align="left", fontSize=12, fontStyle="italic", fill="#545454")
        .encode(y=y, x=alt.value(6), text="hidden:N")
    )
    chart = (
        alt.layer(bars, errors, ends, marker, labels, hidden, title=title)
        .properties(width=420, height=alt.Step(48))
        .configure_axis(labelFontSize=12, titleFontSize=12)
        .configure_legend(labelFontSize=12)
    )
    return chart.to_dict()
