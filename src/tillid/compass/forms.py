from datetime import timedelta

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from tillid.compass.models import ActionStatus, ActionVerdict, Instrument, InstrumentKind
from tillid.core.forms import DKFDSFormMixin
from tillid.core.unit_picker import UnitChoiceField
from tillid.organisation.models import Unit

DONT_KNOW = "dk"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class RoundForm(DKFDSFormMixin, forms.Form):
    name = forms.CharField(label=_("Name of the round"), max_length=200)
    root = UnitChoiceField(
        label=_("Part of the organisation"),
        queryset=Unit.objects.none(),
        help_text=_("Everyone active in this unit and the units below it is invited."),
    )
    instrument = forms.ModelChoiceField(
        label=_("Questionnaire"), queryset=Instrument.objects.none()
    )
    leader_instrument = forms.ModelChoiceField(
        label=_("Leader self-assessment"), queryset=Instrument.objects.none(), required=False
    )
    opens_on = forms.DateField(label=_("Opens"), widget=DateInput())
    closes_on = forms.DateField(label=_("Closes"), widget=DateInput())
    min_group = forms.IntegerField(
        label=_("Smallest group with results"),
        min_value=3,
        max_value=50,
        help_text=_("No figure is shown for a group with fewer respondents. Never below 3."),
    )
    min_comment_group = forms.IntegerField(
        label=_("Smallest group with comments"),
        min_value=3,
        max_value=100,
        help_text=_("Comments need a larger group than scores."),
    )
    contact_name = forms.CharField(
        label=_("Contact person for questions"),
        max_length=200,
        required=False,
        help_text=_("Named on the printed letters. When empty: you."),
    )
    contact_email = forms.EmailField(label=_("Contact e-mail"), required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=40, required=False)

    def __init__(self, *args, units=None, **kwargs):
        self._units = units
        super().__init__(*args, **kwargs)
        self._set_querysets()
        if not self.is_bound:
            today = timezone.localdate()
            self.initial.setdefault("opens_on", today)
            self.initial.setdefault("closes_on", today + timedelta(days=21))
            self.initial.setdefault("min_group", settings.TILLID_ANONYMITY_MIN_GROUP)
            self.initial.setdefault(
                "min_comment_group", settings.TILLID_ANONYMITY_MIN_COMMENT_GROUP
            )

    def _set_querysets(self):
        units = getattr(self, "_units", None)
        self.fields["root"].queryset = units if units is not None else Unit.objects.none()
        self.fields["instrument"].queryset = Instrument.objects.filter(kind=InstrumentKind.EMPLOYEE)
        self.fields["leader_instrument"].queryset = Instrument.objects.filter(
            kind=InstrumentKind.LEADER
        )

    def full_clean(self):
        # The DKFDS mixin validates during __init__; the choices must be set first.
        self._set_querysets()
        super().full_clean()

    def clean(self):
        data = super().clean()
        if data.get("opens_on") and data.get("closes_on") and data["closes_on"] < data["opens_on"]:
            self.add_error("closes_on", _("The round must close on or after the day it opens."))
        if (
            data.get("min_group")
            and data.get("min_comment_group")
            and data["min_comment_group"] < data["min_group"]
        ):
            self.add_error(
                "min_comment_group",
                _("Must be at least the smallest group with results."),
            )
        return data


class AnonymityForm(DKFDSFormMixin, forms.Form):
    min_group = RoundForm.base_fields["min_group"]
    min_comment_group = RoundForm.base_fields["min_comment_group"]

    def clean(self):
        data = super().clean()
        if (
            data.get("min_group")
            and data.get("min_comment_group")
            and data["min_comment_group"] < data["min_group"]
        ):
            self.add_error(
                "min_comment_group", _("Must be at least the smallest group with results.")
            )
        return data


class CodeForm(DKFDSFormMixin, forms.Form):
    code = forms.CharField(
        label=_("Your code"),
        max_length=40,
        help_text=_("The code is in your letter, for example ABCD-EFGH-JKLM-NPQR."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


def scale_choices(instrument: Instrument) -> list[tuple[str, str]]:
    lang = "en" if (get_language() or "da").startswith("en") else "da"
    scale = instrument.scale
    choices = [(str(lab["value"]), lab[lang]) for lab in scale["labels"]]
    choices.append((DONT_KNOW, scale["dont_know"][lang]))
    return choices


def answer_fields(instrument: Instrument, data=None) -> tuple[list[dict], dict]:
    """The questions with their choices and the submitted values (if any)."""
    choices = scale_choices(instrument)
    questions = []
    raw = {}
    for item in instrument.items.all():
        value = data.get(f"q_{item.code}", "") if data is not None else ""
        if value and value not in {c for c, _ in choices}:
            value = ""
        raw[item.code] = value
        questions.append({"code": item.code, "text": item.text, "value": value})
    return [{"choices": choices, **q} for q in questions], raw


class SharedForm(forms.Form):
    shared = forms.BooleanField(required=False)


class MeetingForm(DKFDSFormMixin, forms.Form):
    held_on = forms.DateField(label=_("Date of the meeting"), widget=DateInput())
    participants = forms.IntegerField(label=_("How many took part"), min_value=1, max_value=10000)
    agreements = forms.CharField(
        label=_("What was agreed"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )


class ActionForm(DKFDSFormMixin, forms.Form):
    required_together = ("title", "owner", "due_on")

    title = forms.CharField(label=_("Action"), max_length=300, required=False)
    owner = forms.CharField(label=_("Owner"), max_length=200, required=False)
    due_on = forms.DateField(label=_("Due date"), widget=DateInput(), required=False)

    def clean(self):
        data = super().clean()
        filled = [bool(data.get(f)) for f in self.required_together]
        if any(filled) and not all(filled):
            raise forms.ValidationError(
                _("An action needs a description, an owner and a due date.")
            )
        return data


ActionFormSet = forms.formset_factory(ActionForm, extra=3, max_num=10)


class ActionUpdateForm(DKFDSFormMixin, forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ActionStatus.choices)
    follow_up = forms.CharField(
        label=_("Follow-up note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ResponseImportForm(DKFDSFormMixin, forms.Form):
    instrument = forms.ModelChoiceField(
        label=_("Questionnaire"), queryset=Instrument.objects.filter(kind=InstrumentKind.EMPLOYEE)
    )
    name = forms.CharField(label=_("Name of the round"), max_length=200)
    root = UnitChoiceField(label=_("Part of the organisation"), queryset=Unit.objects.none())
    closes_on = forms.DateField(label=_("Closing date of the old survey"), widget=DateInput())
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV or Excel (.xlsx): one row per respondent, one column per item code."),
    )

    def __init__(self, *args, units=None, **kwargs):
        self._units = units
        super().__init__(*args, **kwargs)
        self._set_querysets()

    def _set_querysets(self):
        units = getattr(self, "_units", None)
        self.fields["root"].queryset = units if units is not None else Unit.objects.none()

    def full_clean(self):
        self._set_querysets()
        super().full_clean()


class ActionCheckForm(DKFDSFormMixin, forms.Form):
    """The check some time after the dialogue meeting: did the action work?"""

    leader_verdict = forms.ChoiceField(
        label=_("Did it work, as you see it as the leader?"),
        choices=ActionVerdict.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the leader's verdict.")},
    )
    team_verdict = forms.ChoiceField(
        label=_("Did it work, as the team sees it?"),
        choices=ActionVerdict.choices,
        widget=forms.RadioSelect,
        help_text=_("Ask the team, for example at a staff meeting, and record its answer."),
        error_messages={"required": _("Choose the team's verdict.")},
    )
    note = forms.CharField(
        label=_("What did you find?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the leader and the team see it differently."),
    )
