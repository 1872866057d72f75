"""Charts for every app: Vega-Lite specifications built with altair.

Pages draw them with `{% include "core/_chart.html" %}` (vega-embed through
core/static/core/charts.js, Danish number and date formats on Danish pages);
PDFs get SVG from `to_svg` (vl-convert, the same Danish locale). An app's
`charts.py` builds its charts with altair and returns `spec(chart)`.
A chart is always shown beside a table of the same figures.
"""

import json
from functools import lru_cache
from typing import Any

from django.utils.translation import get_language


def spec(chart: Any) -> dict:
    """The Vega-Lite specification of an altair chart, as a dict for json_script."""
    return chart.to_dict(validate=False)


def template(build, *key: Any) -> dict:
    """A fresh copy of the spec `build(*key)` makes, built once per key.

    Building a chart with altair costs tens of milliseconds; when only the
    data differs (set `spec["data"]` on the copy), build it once.
    """
    return json.loads(_template(build, key))


@lru_cache(maxsize=64)
def _template(build, key: tuple) -> str:
    return json.dumps(build(*key))


def to_svg(chart_spec: dict) -> str:
    """The chart as SVG for a PDF, with Danish number and date formats in Danish."""
    import vl_convert

    if (get_language() or "da").startswith("da"):
        return vl_convert.vegalite_to_svg(
            chart_spec, format_locale="da-DK", time_format_locale="da-DK"
        )
    return vl_convert.vegalite_to_svg(chart_spec)
