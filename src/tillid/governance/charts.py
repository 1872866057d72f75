"""Vega-Lite specifications (built with altair, see tillid.core.charts) for the governance pages.

Every chart is drawn beside a table of the same figures in the template.
"""

import math

import altair as alt
from django.utils.translation import gettext as _

from tillid.core import charts

RING = 40  # pixels per ring of the onion


def onion_spec(layers: list[dict]) -> dict:
    """The governance onion: one ring per layer, outermost is EU/state, darker = more hours."""
    n = len(layers)
    rows = [
        {
            "layer": str(row["label"]),
            "hours": round(float(row["burden"].hours)),
            "items": row["count"],
            "inner": (n - 1 - i) * RING + 10,
            "outer": (n - i) * RING + 8,
        }
        for i, row in enumerate(layers)
    ]
    size = 2 * (n * RING + 20)
    base = alt.Chart(alt.Data(values=rows))
    rings = base.mark_arc(theta=0, theta2=2 * math.pi, stroke="#ffffff").encode(
        radius=alt.Radius("inner:Q", scale=None),
        radius2="outer:Q",
        color=alt.Color("hours:Q", title=_("Hours per year"), scale=alt.Scale(scheme="blues")),
        tooltip=[
            alt.Tooltip("layer:N", title=_("Layer")),
            alt.Tooltip("items:Q", title=_("Items")),
            alt.Tooltip("hours:Q", title=_("Hours per year"), format=",.0f"),
        ],
    )
    chart = rings.properties(width=size, height=size, title=_("The governance onion"))
    return charts.spec(chart)


def burden_bars_spec(rows: list[dict], title: str) -> dict:
    data = [{"label": str(r["label"]), "hours": round(float(r["burden"].hours))} for r in rows]
    chart = (
        alt.Chart(alt.Data(values=data))
        .mark_bar()
        .encode(
            # Few ticks: Danish thousands ("35.000") are wide and collided at the end.
            x=alt.X(
                "hours:Q",
                title=_("Hours per year"),
                axis=alt.Axis(tickCount=5, labelOverlap="greedy", format=",.0f"),
            ),
            y=alt.Y("label:N", title=None, sort=None),
            tooltip=[
                alt.Tooltip("label:N", title=title),
                alt.Tooltip("hours:Q", title=_("Hours per year"), format=",.0f"),
            ],
        )
        .properties(width=420, title=title)
    )
    return charts.spec(chart)


def growth_spec(rows: list[dict], measure: str) -> dict:
    title = _("Items in force") if measure == "count" else _("Hours per year")
    data = [
        {
            "year": r["year"],
            "layer": r["label"],
            "value": r["count"] if measure == "count" else round(float(r["hours"])),
        }
        for r in rows
    ]
    chart = (
        alt.Chart(alt.Data(values=data))
        .mark_line(point=True)
        .encode(
            x=alt.X("year:O", title=_("Year")),
            y=alt.Y("value:Q", title=title),
            color=alt.Color("layer:N", title=_("Layer")),
            strokeDash=alt.StrokeDash("layer:N", legend=None),
            tooltip=[
                alt.Tooltip("year:O", title=_("Year")),
                alt.Tooltip("layer:N", title=_("Layer")),
                alt.Tooltip("value:Q", title=title),
            ],
        )
        .properties(width=520, title=title)
    )
    return charts.spec(chart)
