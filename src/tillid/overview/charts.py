"""The overview's trend charts (Vega-Lite via altair, see tillid.core.charts)."""

import altair as alt

from tillid.core import charts
from tillid.core.indicators import Indicator, Measure


def trend_spec(indicator: Indicator, *, title: str) -> dict | None:
    """A small line of the indicator's trend; None with fewer than two shown points.
    Shares are drawn as percentages, as the table beside it shows them."""
    scale = 100 if indicator.measure == Measure.SHARE else 1
    values = [
        {"order": i, "label": point.label, "value": round(point.value * scale, 2)}
        for i, point in enumerate(indicator.trend)
        if point.value is not None
    ]
    if len(values) < 2:
        return None
    spec = charts.template(_trend_template, str(title))
    spec["data"] = {"values": values}
    return spec


def _trend_template(title: str) -> dict:
    placeholder = [{"order": 0, "label": "", "value": 0.0}]
    chart = (
        alt.Chart(alt.Data(values=placeholder), title=title)
        .mark_line(point=True, color="#004993")
        .encode(
            x=alt.X("label:N", sort=alt.EncodingSortField("order"), title=None),
            # ",~f": Vega sets the precision from the tick step; with "~g" a step of
            # 10 printed "1e+1".
            y=alt.Y("value:Q", title=None, axis=alt.Axis(format=",~f")),
            tooltip=[alt.Tooltip("label:N"), alt.Tooltip("value:Q")],
        )
        .properties(width=260, height=120)
    )
    return chart.to_dict()
