from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tillid.core.forms import DKFDSFormMixin
from tillid.overview.effects.data import COMPARE_AREA, COMPARE_CHOSEN, COMPARE_KIND

COMPARISON_CHOICES = [
    (COMPARE_AREA, _("Units of the same kind in the same forvaltning")),
    (COMPARE_KIND, _("Units of the same kind in the whole organisation")),
    (COMPARE_CHOSEN, _("The units I choose below")),
]


class EffectForm(DKFDSFormMixin, forms.Form):
    """What to measure and what to compare with (read from the query string)."""

    outcome = forms.ChoiceField(label=_("What to measure"))
    comparison = forms.ChoiceField(
        label=_("Compare with"), choices=COMPARISON_CHOICES, initial=COMPARE_AREA
    )

    units = forms.MultipleChoiceField(
        label=_("Comparison units I choose"),
        required=False,
        help_text=_(
            "Untouched units of the same kind; used when you compare with the units you choose."
        ),
    )

    def __init__(self, *args, outcomes: list[tuple[str, str]], candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = outcomes
        if outcomes:
            self.fields["outcome"].initial = outcomes[0][0]
        self.fields["units"].choices = list(candidates)
        self.fields["units"].widget.attrs["size"] = 8

    def chosen(self) -> tuple[str, str]:
        """The outcome and comparison asked for, or the defaults."""
        outcome = self.fields["outcome"].initial or ""
        comparison = COMPARE_AREA
        if self.is_bound and self.is_valid():
            outcome = self.cleaned_data["outcome"]
            comparison = self.cleaned_data["comparison"]
        return outcome, comparison

    def chosen_units(self) -> list[int]:
        if self.is_bound and self.is_valid():
            return [int(pk) for pk in self.cleaned_data.get("units", [])]
        return []


class GroupForm(EffectForm):
    decision = forms.ChoiceField(label=_("Decision"), required=False)
    area = forms.ChoiceField(label=_("Area"), required=False)
    year = forms.TypedChoiceField(
        label=_("Year decided"), required=False, coerce=int, empty_value=None
    )

    field_order = ["decision", "area", "year", "outcome", "comparison"]

    def __init__(self, *args, kinds, areas, **kwargs):
        super().__init__(*args, **kwargs)
        # A group's units are known only once it is chosen: no picking by hand here.
        del self.fields["units"]
        self.fields["comparison"].choices = COMPARISON_CHOICES[:2]
        self.fields["decision"].choices = [("", _("Every kind")), *kinds]
        self.fields["area"].choices = [
            ("", _("The whole organisation")),
            *[(str(u.pk), u.name) for u in areas],
        ]
        this_year = timezone.localdate().year
        self.fields["year"].choices = [
            ("", _("Every year")),
            *[(str(y), str(y)) for y in range(this_year, this_year - 6, -1)],
        ]

    def group(self) -> dict | None:
        if not self.is_bound or not self.is_valid():
            return None
        return {
            "decision": self.cleaned_data["decision"] or None,
            "area_id": int(self.cleaned_data["area"]) if self.cleaned_data["area"] else None,
            "year": self.cleaned_data["year"],
        }


class WatchForm(DKFDSFormMixin, forms.Form):
    outcome = forms.ChoiceField(label=_("What to measure"))
    within = forms.ChoiceField(label=_("Where"), required=False)
    kind = forms.ChoiceField(label=_("Compare units of the kind"))

    def __init__(self, *args, outcomes, areas, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = outcomes
        if outcomes:
            self.fields["outcome"].initial = outcomes[0][0]
        self.fields["within"].choices = [
            ("", _("The whole organisation")),
            *[(str(u.pk), u.name) for u in areas],
        ]
        self.fields["kind"].choices = kinds
        self.fields["kind"].initial = kinds[0][0] if kinds else ""

    def chosen(self) -> tuple[str, int | None, str]:
        outcome = self.fields["outcome"].initial or ""
        kind = self.fields["kind"].initial
        within = None
        if self.is_bound and self.is_valid():
            outcome = self.cleaned_data["outcome"]
            kind = self.cleaned_data["kind"]
            within = int(self.cleaned_data["within"]) if self.cleaned_data["within"] else None
        return outcome, within, kind
