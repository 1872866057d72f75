"""One unit picker for every form that chooses a unit.

`UnitChoiceField` is a ModelChoiceField whose options are labelled with the
unit's path ("Ældreområdet › Hjortevænget › Team Aften") and grouped by the
top unit; its widget `UnitPicker` renders that <select>, which works without
JavaScript, with a search box above it: as one types, htmx asks the endpoint
named by settings.TILLID_UNIT_SEARCH_URL for the matching units (their paths,
20 at most) and a click on one chooses it in the select.

Core knows no app: the labels come from the function named by
settings.TILLID_UNIT_PATH_LABELS, `(units) -> {id: label}`. The select is
rendered directly, not through a template per option (thousands of units).
"""

from django import forms
from django.conf import settings
from django.forms.utils import flatatt
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html, mark_safe
from django.utils.module_loading import import_string

from tillid.core.widgets import escape

SEPARATOR = " › "


def _option(value, label, chosen: set[str]) -> str:
    selected = " selected" if str(value) in chosen else ""
    return f'<option value="{escape(value)}"{selected}>{escape(label)}</option>'


class UnitPicker(forms.Select):
    """A <select> of units (grouped choices become <optgroup>s) with a search above it."""

    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        chosen = {str(value)} if value not in (None, "") else set()
        parts = []
        for option_value, label in self.choices:
            if isinstance(label, list | tuple):
                inner = "".join(_option(v, lab, chosen) for v, lab in label)
                parts.append(f'<optgroup label="{escape(option_value)}">{inner}</optgroup>')
            else:
                parts.append(_option(option_value, label, chosen))
        select = format_html("<select{}>{}</select>", flatatt(final), mark_safe("".join(parts)))
        return mark_safe(
            render_to_string(
                "core/widgets/unit_picker.html",
                {
                    "id": final.get("id") or f"id_{name}",
                    "search_url": reverse(settings.TILLID_UNIT_SEARCH_URL),
                    "select": select,
                },
            )
        )


class _UnitChoices(forms.models.ModelChoiceIterator):
    """The field's choices, made when first read (forms are built at import)."""

    def __iter__(self):
        yield from self.field.unit_choices()


class UnitChoiceField(forms.ModelChoiceField):
    """Units labelled by their path, in the order of the labels, grouped by the top unit."""

    widget = UnitPicker
    iterator = _UnitChoices

    def _labels(self) -> dict[int, str]:
        # Made once per queryset (kept, so it is the same object while cached).
        if getattr(self, "_labels_for", None) is not self.queryset:
            labels_for = import_string(settings.TILLID_UNIT_PATH_LABELS)
            self._labels_cache = labels_for(self.queryset)
            self._labels_for = self.queryset
        return self._labels_cache

    def label_from_instance(self, obj) -> str:
        return self._labels().get(obj.pk, str(obj))

    def unit_choices(self) -> list:
        labels = self._labels()
        rows = sorted(labels.items(), key=lambda row: row[1])
        choices: list = [("", self.empty_label)] if self.empty_label is not None else []
        if not isinstance(self.widget, UnitPicker):  # a plain select: no groups
            return choices + rows
        groups: dict[str, list[tuple[int, str]]] = {}
        for pk, label in rows:
            groups.setdefault(label.split(SEPARATOR)[0], []).append((pk, label))
        for top, options in groups.items():
            choices.append((top, options) if len(options) > 1 else options[0])
        return choices
