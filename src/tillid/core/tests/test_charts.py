from django.utils import translation

from tillid.core import charts

SPEC = {
    "data": {"values": [{"hours": 1234.5}]},
    "mark": "text",
    "encoding": {"text": {"field": "hours", "type": "quantitative", "format": ",.1f"}},
}


def test_pdf_charts_use_danish_numbers_in_danish():
    with translation.override("da"):
        assert ">1.234,5<" in charts.to_svg(SPEC)
    with translation.override("en"):
        assert ">1,234.5<" in charts.to_svg(SPEC)
