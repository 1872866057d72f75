"""Vega-Lite specifications (built with altair, see tillid.core.charts) for the compass
pages and the PDF."""

import altair as alt

from tillid.core import charts


def radar_spec(elements: list[dict], *, title: str) -> dict | None:
    """A polar chart of the four compass elements: one sector each, radius = score.

    `elements` are {"name": str, "score": float | None}; hidden scores are
    left out, so a suppressed element has no sector at all.
    """
    values = [
        {"element": e["name"], "score": round(e["score"], 1), "slot": 1}
        for e in elements
        if e["score"] is not None
    ]
    if not values:
        return None
    # Only the data differs between units: the chart is built once per title.
    spec = charts.template(_radar_template, str(title))
    spec["data"] = {"values": values}
    return spec


def _radar_template(title: str) -> dict:
    placeholder = [{"element": "", "score": 0.0, "slot": 1}]
    base = alt.Chart(alt.Data(values=placeholder), title=title).encode(
        theta=alt.Theta("slot:Q", stack=True),
        radius=alt.Radius(
            "score:Q", scale=alt.Scale(type="linear", domain=[0, 100], zero=True, rangeMin=10)
        ),
        color=alt.Color(
            "element:N",
            legend=alt.Legend(title=None, orient="bottom", columns=2),
            scale=alt.Scale(range=["#004993", "#008139", "#b05c00", "#6f2a8f"]),
        ),
        tooltip=[alt.Tooltip("element:N"), alt.Tooltip("score:Q", format=".0f")],
    )
    arcs = base.mark_arc(stroke="#ffffff", strokeWidth=2)
    labels = base.mark_text(radiusOffset=14, fontSize=13, fill="#1a1a1a").encode(
        text=alt.Text("score:Q", format=".0f")
    )
    chart = (arcs + labels).properties(width=280, height=280)
    return chart.to_dict()
