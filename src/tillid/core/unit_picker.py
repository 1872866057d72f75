"""One unit picker for every form that chooses a unit.

`UnitChoiceField` is a ModelChoiceField whose options are labelled with the
unit's path ("Ældreområdet › Hjortevænget › Team Aften") and grouped by the
top unit; its widget `UnitPicker` renders that <select> (which works without
JavaScript) with a search box above it that asks the endpoint named by
settings.TILLID_UNIT_SEARCH_URL (htmx) and puts the chosen hit into the
select. Core knows no app: the labels come from the function named by
settings.TILLID_UNIT_PATH_LABELS, `(units) -> {id: label}`.
"""

from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils.choices import CallableChoiceIterator
from django.utils.module_loading import import_string

SEPARATOR = " › "


class UnitPicker(forms.Select):
    template_name = "core/widgets/unit_picker.html"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["search_url"] = reverse(settings.TILLID_UNIT_SEARCH_URL)
        return context


class UnitChoiceField(forms.ModelChoiceField):
    widget = UnitPicker

    def _labels(self) -> dict[int, str]:
        key = id(self.queryset)
        if getattr(self, "_labels_key", None) != key:
            labels_for = import_string(settings.TILLID_UNIT_PATH_LABELS)
            self._labels_cache = labels_for(self.queryset)
            self._labels_key = key
        return self._labels_cache

    def label_from_instance(self, obj) -> str:
        return self._labels().get(obj.pk, str(obj))

    def _get_choices(self):
        # Lazy, as ModelChoiceField's own iterator is: a form defined at import
        # time must not query the database (migrations run before the tables exist).
        return CallableChoiceIterator(self._build_choices)

    def _build_choices(self) -> list:
        labels = self._labels()
        units = sorted(self.queryset, key=lambda u: labels.get(u.pk, str(u)))
        groups: dict[str, list[tuple[int, str]]] = {}
        for unit in units:
            label = labels.get(unit.pk, str(unit))
            groups.setdefault(label.split(SEPARATOR)[0], []).append((unit.pk, label))
        choices: list = [("", self.empty_label)] if self.empty_label is not None else []
        for top, options in groups.items():
            choices.append((top, options) if len(options) > 1 else options[0])
        return choices

    choices = property(_get_choices, forms.ChoiceField.choices.fset)
