"""The overview's scope: a part of the organisation the user may see, and a period."""

from django import forms
from django.utils.translation import gettext_lazy as _

from tillid.core.forms import DKFDSFormMixin
from tillid.core.indicators import FollowUp
from tillid.organisation.forms import UnitChoiceField
from tillid.overview import selectors


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ScopeForm(DKFDSFormMixin, forms.Form):
    """Read from the query string; empty fields take their defaults."""

    unit = UnitChoiceField(label=_("Forvaltning or area"), required=False)
    start = forms.DateField(label=_("From"), required=False, widget=DateInput())
    end = forms.DateField(label=_("To"), required=False, widget=DateInput())

    def __init__(self, *args, user, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.seen = selectors.units_seen(user)
        field = self.fields["unit"]
        field.queryset = selectors.unit_choices(self.seen)
        if self.seen.everything:
            field.empty_label = _("The whole organisation")
        else:
            field.required = True
            field.empty_label = None
        self.default_period = selectors.default_period(today=today)
        self.fields["start"].initial = self.default_period.start
        self.fields["end"].initial = self.default_period.end

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", _("The end of the period must be on or after its start."))
        return data

    def scope_and_period(self):
        """The scope and period asked for (call after is_valid()), or the defaults."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        unit = data.get("unit")
        if unit is None and not self.seen.everything:
            unit = self.fields["unit"].queryset.first()
        start = data.get("start") or self.default_period.start
        end = data.get("end") or self.default_period.end
        if start > end:  # only one end given: keep the defaults' length sensible
            start, end = self.default_period.start, self.default_period.end
        return unit, selectors.scope_of(unit), selectors.Period(start=start, end=end)


class FollowUpFilterForm(DKFDSFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    late = forms.BooleanField(label=_("Only late ones"), required=False)
    mine = forms.BooleanField(label=_("Only my own"), required=False)

    def __init__(self, *args, followups: list[FollowUp], **kwargs):
        super().__init__(*args, **kwargs)
        kinds = sorted({(f.kind, f.kind_label) for f in followups}, key=lambda k: k[1])
        self.fields["kind"].choices = [("", _("All kinds")), *kinds]


class DecisionFilterForm(DKFDSFormMixin, forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=DateInput())
    end = forms.DateField(label=_("To"), required=False, widget=DateInput())
    # The kinds are known only once the period's decisions are read: see set_kinds.
    kind = forms.CharField(label=_("Kind"), required=False, widget=forms.Select())

    def __init__(self, *args, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.default_period = selectors.default_period(today=today)
        self.fields["start"].initial = self.default_period.start
        self.fields["end"].initial = self.default_period.end
        self.set_kinds([])

    def set_kinds(self, kinds: list[tuple[str, str]]) -> None:
        self.fields["kind"].widget.choices = [("", _("All kinds")), *kinds]

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", _("The end of the period must be on or after its start."))
        return data

    def period_and_kind(self):
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        start = data.get("start") or self.default_period.start
        end = data.get("end") or self.default_period.end
        if start > end:
            start, end = self.default_period.start, self.default_period.end
        return selectors.Period(start=start, end=end), data.get("kind", "")
