import re

from tillid.core import charts
from tillid.core.indicators import Indicator, Measure, Status, Track, TrendPoint
from tillid.overview.charts import trend_spec


def test_the_trend_axis_reads_as_plain_danish_numbers():
    """Vega picks the precision from the tick step: "~g" printed 10 as "1e+1"."""
    indicator = Indicator(
        track=Track.EMPLOYEES,
        code="test.rate",
        label="Svarprocent",
        value=0.25,
        measure=Measure.SHARE,
        status=Status.BEHIND,
        explanation="",
        trend=[TrendPoint("2025", 0.4), TrendPoint("2026", 0.25)],
    )
    svg = charts.to_svg(trend_spec(indicator, title="Svarprocent"))
    ticks = re.findall(r">([^<]{1,8})</text>", svg)
    assert {"0", "10", "20", "30", "40"} <= set(ticks)
    assert not [tick for tick in ticks if "e+" in tick]
