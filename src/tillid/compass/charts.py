"""Vega-Lite specifications (built with altair) for the compass pages and the PDF."""

import json
from functools import lru_cache

import altair as alt
from django.utils.translation import get_language


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
    # Building the chart with altair costs tens of milliseconds; only the data
    # differs between units, so the specification is built once per title.
    spec = json.loads(_radar_template(str(title)))
    spec["data"] = {"values": values}
    return spec


@lru_cache(maxsize=16)
def _radar_template(title: str) -> str:
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
    return json.dumps(chart.to_dict())


def to_svg(spec: dict) -> str:
    """The chart as SVG for a PDF, with Danish number and date formats in Danish."""
    import vl_convert

    if (get_language() or "da").startswith("da"):
        return vl_convert.vegalite_to_svg(spec, format_locale="da-DK", time_format_locale="da-DK")
    return vl_convert.vegalite_to_svg(spec)
