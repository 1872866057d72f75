from django import forms
from django.utils.translation import gettext_lazy as _

from tillid.core import unit_picker
from tillid.core.forms import DKFDSFormMixin
from tillid.organisation.forms import UnitChoiceField
from tillid.organisation.models import Person, Unit
from tillid.trials.models import (
    Area,
    CriteriaMet,
    GovernanceEffect,
    ObservationKind,
    Origin,
    ParticipantKind,
    Risk,
    Stage,
    Trial,
    TrialKind,
    TrustOutcome,
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class Checkboxes(forms.CheckboxSelectMultiple):
    """DKFDS checkboxes: the input before its label, one group per option."""

    template_name = "trials/widgets/checkboxes.html"


def _checkboxes(form, name: str) -> None:
    form.fields[name].widget.attrs["class"] = "form-checkbox"


class TrialFilterForm(DKFDSFormMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    unit = UnitChoiceField(
        label=_("Unit (with sub-units)"), required=False, empty_label=_("All units")
    )
    stage = forms.ChoiceField(
        label=_("Stage"), required=False, choices=[("", _("All stages")), *Stage.choices]
    )
    area = forms.ChoiceField(
        label=_("Area"), required=False, choices=[("", _("All areas")), *Area.choices]
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *TrialKind.choices]
    )
    governance = forms.ChoiceField(
        label=_("Governance touched"),
        required=False,
        choices=[
            ("", _("With or without")),
            ("yes", _("Sets aside or changes governance")),
            ("no", _("Touches no governance")),
        ],
    )
    governance_item = forms.TypedChoiceField(
        label=_("Item in the governance register"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[],
    )

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        if items:
            self.fields["governance_item"].choices = [("", _("Any item")), *items]
        else:
            del self.fields["governance_item"]


class TrialForm(DKFDSFormMixin, forms.ModelForm):
    participant_kinds = forms.MultipleChoiceField(
        label=_("Who takes part"),
        required=False,
        choices=ParticipantKind.choices,
        widget=Checkboxes,
    )
    unit = UnitChoiceField(label=_("Unit"), help_text=_("The unit where the trial is tried out."))

    class Meta:
        model = Trial
        fields = [
            "title",
            "question",
            "unit",
            "origin",
            "area",
            "description",
            "participant_kinds",
            "participants_note",
            "success_criteria",
            "start_date",
            "end_date",
            "parent",
        ]
        widgets = {
            "question": forms.Textarea(attrs={"rows": 2}),
            "description": forms.Textarea(attrs={"rows": 3}),
            "participants_note": forms.Textarea(attrs={"rows": 2}),
            "success_criteria": forms.Textarea(attrs={"rows": 3}),
            "start_date": DateInput(),
            "end_date": DateInput(),
        }
        help_texts = {
            "question": _("For example: how do we coordinate better in the citizen's own home?"),
            "success_criteria": _("What will show that the trial worked?"),
            "parent": _("Choose a trial if this one is a sub-trial of it."),
        }

    def __init__(self, *args, parent_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        _checkboxes(self, "participant_kinds")
        self.fields["origin"].choices = Origin.choices
        self.fields["area"].choices = Area.choices
        parent_qs = parent_choices if parent_choices is not None else Trial.objects.none()
        if self.instance.pk:
            parent_qs = parent_qs.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parent_qs
        self.fields["parent"].required = False
        self.fields["parent"].empty_label = _("Not a sub-trial")
        # The dates are checked by the service (the end on or after the start).


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        return f"{obj.name} ({obj.unit.name})"


class TrialEditForm(TrialForm):
    owner = PersonChoiceField(label=_("Owner"), queryset=Person.objects.none(), required=False)

    class Meta(TrialForm.Meta):
        fields = [*TrialForm.Meta.fields, "owner"]

    def __init__(self, *args, owner_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        if owner_choices is not None:
            self.fields["owner"].queryset = owner_choices


class ApproveForm(DKFDSFormMixin, forms.Form):
    owner = PersonChoiceField(
        label=_("Owner"),
        queryset=Person.objects.none(),
        required=False,
        empty_label=_("Me"),
        help_text=_("Who carries the trial from here."),
    )

    def __init__(self, *args, owner_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        if owner_choices is not None:
            self.fields["owner"].queryset = owner_choices


class TransitionForm(DKFDSFormMixin, forms.Form):
    to_stage = forms.ChoiceField(choices=Stage.choices, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed when the trial is sent back or stopped."),
    )


class TaskForm(DKFDSFormMixin, forms.Form):
    title = forms.CharField(label=_("Task"), max_length=200)
    due_date = forms.DateField(label=_("Due"), required=False, widget=DateInput())


class MilestoneForm(DKFDSFormMixin, forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=200)
    due_date = forms.DateField(label=_("Due"), required=False, widget=DateInput())


class ObservationForm(DKFDSFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("The observation is about"),
        choices=ObservationKind.choices,
        help_text=_("Effect: what changed for citizens or staff. Process: how the trial went."),
    )
    text = forms.CharField(
        label=_("Observation"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    observed_on = forms.DateField(label=_("Date"), widget=DateInput())


class EvaluationForm(DKFDSFormMixin, forms.Form):
    what_worked = forms.CharField(
        label=_("What worked"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    what_did_not = forms.CharField(
        label=_("What did not work"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    evidence = forms.CharField(
        label=_("Evidence"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Observations, figures or voices that show it."),
    )
    criteria_met = forms.ChoiceField(
        label=_("Were the success criteria met?"), choices=CriteriaMet.choices
    )


class ScopedUnitChoiceField(unit_picker.UnitChoiceField):
    """The units a user may choose (the queryset is set by the form), in the unit picker."""


class AdoptionForm(DKFDSFormMixin, forms.Form):
    unit = ScopedUnitChoiceField(label=_("Adopting unit"), queryset=Unit.objects.none())
    note = forms.CharField(
        label=_("How the unit will use it"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["unit"].queryset = units


class GovernanceLinkForm(DKFDSFormMixin, forms.Form):
    governance_item_id = forms.TypedChoiceField(
        label=_("Item in the governance register"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[],
        help_text=_("The register then shows the trial as a temporary exemption."),
    )
    title = forms.CharField(
        label=_("Or name governance that is not in the register"),
        required=False,
        max_length=300,
        help_text=_("For example: the visit plan's fixed minutes per service."),
    )
    effect = forms.ChoiceField(label=_("During the trial it is"), choices=GovernanceEffect.choices)
    note = forms.CharField(
        label=_("What changes"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["governance_item_id"].choices = [("", _("Not in the register")), *items]

    def clean(self):
        data = super().clean()
        if not data.get("governance_item_id") and not (data.get("title") or "").strip():
            raise forms.ValidationError(
                _("Choose an item in the register or name the governance in words.")
            )
        return data


STEP_CHOICES = [
    (1, _("1 · Instructed")),
    (2, _("2 · Consults first")),
    (3, _("3 · Acts and informs")),
    (4, _("4 · Autonomous within a frame")),
    (5, _("5 · Full autonomy (hverdagsdirektør)")),
]


class TrustTestForm(DKFDSFormMixin, forms.Form):
    person = PersonChoiceField(label=_("Person"), queryset=Person.objects.none(), required=False)
    team = ScopedUnitChoiceField(label=_("Or a team"), queryset=Unit.objects.none(), required=False)
    task = forms.CharField(label=_("Task"), max_length=200)
    step_from = forms.TypedChoiceField(
        label=_("Trusted today at step"), choices=STEP_CHOICES, coerce=int
    )
    step_to = forms.TypedChoiceField(label=_("Step to try"), choices=STEP_CHOICES, coerce=int)
    risk = forms.ChoiceField(
        label=_("Risk"),
        choices=Risk.choices,
        help_text=_("A good trust test is suitably risky: enough to matter, not enough to harm."),
    )
    risk_note = forms.CharField(
        label=_("The risk, in words"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    start_date = forms.DateField(label=_("Start"), required=False, widget=DateInput())
    end_date = forms.DateField(label=_("End"), required=False, widget=DateInput())

    def __init__(self, *args, people=None, teams=None, **kwargs):
        super().__init__(*args, **kwargs)
        if people is not None:
            self.fields["person"].queryset = people
        if teams is not None:
            self.fields["team"].queryset = teams

    def clean(self):
        data = super().clean()
        if bool(data.get("person")) == bool(data.get("team")):
            raise forms.ValidationError(_("Choose either a person or a team for the trust test."))
        # services.plan_trust_test checks the steps (a step up the ladder).
        return data


class TrustOutcomeForm(DKFDSFormMixin, forms.Form):
    outcome = forms.ChoiceField(label=_("How did it go?"), choices=TrustOutcome.choices)
    note = forms.CharField(
        label=_("What happened"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class FollowUpDatesForm(DKFDSFormMixin, forms.Form):
    evaluation_due_on = forms.DateField(
        label=_("Evaluation due"),
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        help_text=_("Leave empty to evaluate by the trial's end date."),
        error_messages={"invalid": _("Write the date as yyyy-mm-dd.")},
    )
    decision_due_on = forms.DateField(
        label=_("Decision to spread or stop due"),
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        help_text=_("Leave empty to decide within a month of the evaluation."),
        error_messages={"invalid": _("Write the date as yyyy-mm-dd.")},
    )
