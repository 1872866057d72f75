import re

from django import forms

from tillid.core import widgets

CHOICES = [("", "---"), (1, "Børn & Unge"), (2, '"Skolen" <Nord>'), (3, "O'Brien")]


def _options(html: str) -> list[str]:
    return re.findall(r"<option[^>]*>.*?</option>", html)


def test_fast_select_renders_the_options_django_renders():
    ours = widgets.Select(choices=CHOICES).render("unit", 2)
    django = forms.Select(choices=CHOICES).render("unit", 2)
    # Same values, labels and escaping; Django writes `selected` as `selected`.
    assert [o.replace(" selected", "") for o in _options(ours)] == [
        re.sub(r'\s+selected(="selected")?', "", o) for o in _options(django)
    ]
    assert '<option value="2" selected>&quot;Skolen&quot; &lt;Nord&gt;</option>' in ours


def test_fast_select_multiple_keeps_every_chosen_value():
    html = widgets.SelectMultiple(choices=CHOICES).render("units", ["1", "3"])
    assert "multiple" in html
    assert '<option value="1" selected>Børn &amp; Unge</option>' in html
    assert '<option value="3" selected>O&#x27;Brien</option>' in html
