from django import forms
from django.utils.translation import gettext_lazy as _

from tillid.core.forms import DKFDSFormMixin
from tillid.delegation.ladder import GUIDANCE, Consequence, Rating, Reversibility, Step
from tillid.delegation.models import BreachOutcome


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _int_choice(label, choices, **kwargs):
    return forms.TypedChoiceField(label=label, choices=choices, coerce=int, **kwargs)


class DosingForm(DKFDSFormMixin, forms.Form):
    task = forms.CharField(
        label=_("Task"),
        max_length=200,
        help_text=_("Trust is dosed for a task, not for a person in general."),
    )
    competence = _int_choice(_("Competence"), Rating.choices, help_text=GUIDANCE["competence"])
    intention = _int_choice(_("Intention"), Rating.choices, help_text=GUIDANCE["intention"])
    resources = _int_choice(_("Resources"), Rating.choices, help_text=GUIDANCE["resources"])
    consequence = _int_choice(
        _("Consequence if it goes wrong"), Consequence.choices, help_text=GUIDANCE["risk"]
    )
    reversibility = _int_choice(_("Can it be undone?"), Reversibility.choices)
    chosen_step = forms.TypedChoiceField(
        label=_("Your choice of step"),
        choices=[("", _("Show me the suggestion first")), *Step.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed when your choice differs from the suggestion."),
    )
    review_on = forms.DateField(
        label=_("Review date"),
        required=False,
        widget=DateInput(),
        help_text=_("When you will look at the dosing again together."),
    )

    def clean(self):
        data = super().clean()
        # The review date is asked for with the choice, after the suggestion is shown.
        if data.get("chosen_step") is not None and not data.get("review_on"):
            self.add_error("review_on", _("Choose a date for looking at the dosing again."))
        return data


CAUSE_FIELDS = ("cause_competence", "cause_intention", "cause_resources", "cause_circumstances")


class BreachForm(DKFDSFormMixin, forms.Form):
    happened_on = forms.DateField(label=_("When did it happen?"), widget=DateInput())
    what_happened = forms.CharField(
        label=_("What happened"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Describe the events, not the person."),
    )
    cause_competence = forms.BooleanField(
        label=_("Competence: the task asked more than the person could yet carry"),
        required=False,
    )
    cause_intention = forms.BooleanField(
        label=_("Intention: the will to take on the responsibility was missing"), required=False
    )
    cause_resources = forms.BooleanField(
        label=_("Resources: the frame, time or tools made the task near impossible"),
        required=False,
    )
    cause_circumstances = forms.BooleanField(
        label=_("Circumstances changed: something unforeseen happened"), required=False
    )
    bad_faith_suspected = forms.BooleanField(
        label=_("Deliberate bad faith is suspected"),
        required=False,
        help_text=_(
            "Then the breach leaves the learning track here and is handled in the HR process."
        ),
    )


REPAIR_FIELDS = (
    "shared_own_mistakes",
    "explored_both_sides",
    "learning_over_blame",
    "automatic_reactions_noticed",
)


class RepairForm(DKFDSFormMixin, forms.Form):
    shared_own_mistakes = forms.BooleanField(
        label=_("I went first and shared my own mistakes and my part in it"), required=False
    )
    explored_both_sides = forms.BooleanField(
        label=_("We explored openly what happened on each side of the table"), required=False
    )
    learning_over_blame = forms.BooleanField(
        label=_("We talked about what to learn, not whom to blame"), required=False
    )
    automatic_reactions_noticed = forms.BooleanField(
        label=_("I noticed and named my own automatic reactions"), required=False
    )
    repair_notes = forms.CharField(
        label=_("Notes on the repair"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (BreachOutcome.OPEN, BreachOutcome.OPEN.label),
            (BreachOutcome.REPAIRED, BreachOutcome.REPAIRED.label),
            (BreachOutcome.STRENGTHENED, BreachOutcome.STRENGTHENED.label),
            (BreachOutcome.FRAGILE, BreachOutcome.FRAGILE.label),
        ],
    )
    lesson = forms.CharField(
        label=_("Lesson for the team"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Write it without names or details that point to a person."),
    )
    lesson_shared = forms.BooleanField(label=_("Share the lesson with the team"), required=False)


class SearchForm(DKFDSFormMixin, forms.Form):
    q = forms.CharField(label=_("Search name"), required=False, max_length=100)
