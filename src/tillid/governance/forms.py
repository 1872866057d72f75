from decimal import Decimal

from django import forms
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tillid.core import widgets
from tillid.core.forms import DKFDSFormMixin
from tillid.core.unit_picker import UnitChoiceField as PickedUnitField
from tillid.governance import kle
from tillid.governance.models import (
    Decision,
    EscalationAnswer,
    EstimateBasis,
    FollowUpVerdict,
    Item,
    ItemStatus,
    Kind,
    Layer,
    ReportStatus,
    RoleGroup,
    SecuredValue,
)
from tillid.governance.services import ITEM_FIELDS, ItemInput, decision_errors
from tillid.organisation import selectors as org_selectors
from tillid.organisation.forms import KLEField, UnitChoiceField
from tillid.organisation.models import Unit

EM_SPACE = "\u2003"


def unit_choices(empty_label=None) -> list[tuple]:
    """(id, indented name) of every active unit, read without building model objects."""
    rows = Unit.objects.filter(is_active=True).order_by("path").values_list("pk", "name", "depth")
    choices = [(pk, EM_SPACE * depth + name) for pk, name, depth in rows]
    return [("", empty_label), *choices] if empty_label is not None else choices


class UnitMultipleChoiceField(forms.ModelMultipleChoiceField):
    widget = widgets.SelectMultiple

    def __init__(self, **kwargs):
        super().__init__(queryset=Unit.objects.filter(is_active=True).order_by("path"), **kwargs)

    def label_from_instance(self, obj: Unit) -> str:
        return EM_SPACE * obj.depth + obj.name


class ItemReferenceField(forms.CharField):
    """An item given by its reference (a select of 20,000 items would be unusable)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return value.reference if isinstance(value, Item) else value

    def clean(self, value):
        reference = (super().clean(value) or "").strip()
        if not reference:
            return None
        item = (
            Item.objects.exclude(status=ItemStatus.REMOVED)
            .filter(reference__iexact=reference)
            .first()
        )
        if item is None:
            raise forms.ValidationError(
                _("No item has the reference “%(ref)s”."), params={"ref": reference}
            )
        return item


_DECIMAL_ERRORS = {
    "invalid": _("Write a number, for example 7,5."),
    "min_value": _("The number cannot be negative."),
    "max_digits": _("The number is too large."),
}


def _decimal(label, help_text="", required=True):
    return forms.DecimalField(
        label=label,
        help_text=help_text,
        required=required,
        min_value=Decimal(0),
        max_digits=9,
        decimal_places=2,
        localize=True,
        error_messages=_DECIMAL_ERRORS,
    )


class ItemForm(DKFDSFormMixin, forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        error_messages={"required": _("Give the item a title.")},
    )
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea)
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[("", _("Choose a kind")), *Kind.choices],
        error_messages={"required": _("Choose a kind of governance.")},
    )
    layer = forms.ChoiceField(
        label=_("Origin layer"),
        choices=[("", _("Choose a layer")), *Layer.choices],
        help_text=_("Where in the governance onion the item comes from."),
        error_messages={"required": _("Choose the layer the governance comes from.")},
    )
    is_hard = forms.BooleanField(
        label=_("Hard governance (binding rules and sanctions)"), required=False
    )
    is_formal = forms.BooleanField(
        label=_("Formal governance (written down and decided)"), required=False
    )
    legal_basis = forms.CharField(label=_("Legal basis"), max_length=300, required=False)
    mandated_by_law = forms.BooleanField(label=_("Mandated by law"), required=False)
    owner = forms.CharField(
        label=_("Owner"),
        max_length=200,
        required=False,
        help_text=_("Who decides on the item, for example an office or an authority."),
    )
    kle = KLEField(
        label=_("KLE task area"),
        search_url=reverse_lazy("organisation:kle_search"),
        help_text=_(
            "The municipal task area the item belongs to (KL's subject classification), "
            "e.g. 27.36 or 27.36.04. Type a number or a word to search."
        ),
    )
    units = UnitMultipleChoiceField(
        label=_("Units it binds"),
        help_text=_("The item binds the units chosen and every unit below them."),
        error_messages={"required": _("Choose at least one unit that the governance binds.")},
    )
    risks = forms.CharField(
        label=_("Risks it bounds"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    values = forms.MultipleChoiceField(
        label=_("Values it secures"),
        choices=SecuredValue.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    introduced_on = forms.DateField(
        label=_("Date introduced"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        error_messages={
            "required": _("Give the date the item was introduced."),
            "invalid": _("Write the date as yyyy-mm-dd."),
        },
    )
    controls = ItemReferenceField(
        label=_("Controls another item"),
        help_text=_(
            "The reference (e.g. STY-00012) of the item this item checks, so chains of "
            "control of control show."
        ),
    )
    minutes_per_occurrence = _decimal(
        _("Minutes per occurrence"),
        _("Used when the item has no activities. Add activities on the item's page."),
        required=False,
    )
    occurrences_per_year = _decimal(_("Occurrences per person per year"), required=False)
    basis = forms.ChoiceField(label=_("Basis of the estimate"), choices=EstimateBasis.choices)
    people_override = forms.IntegerField(
        label=_("People bound (override)"),
        required=False,
        min_value=0,
        help_text=_("Leave empty to use the headcount of the units it binds."),
        error_messages={
            "invalid": _("Write a whole number."),
            "min_value": _("The number cannot be negative."),
        },
    )
    compensated_by = ItemReferenceField(
        label=_("Compensating removal"),
        help_text=_(
            "Documentation neutrality: a new documentation requirement names the reference "
            "of an item to remove in return (a review of it is opened) …"
        ),
    )
    no_compensation_reason = forms.CharField(
        label=_("… or the reason nothing is removed"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, item: Item | None = None, **kwargs):
        if item is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                **{name: getattr(item, name) for name in ITEM_FIELDS},
                "units": list(item.units.all()),
                "kle": item.kle,
            }
        elif item is None and "initial" not in kwargs:
            kwargs["initial"] = {
                "is_hard": True,
                "is_formal": True,
                "introduced_on": timezone.localdate(),
            }
        super().__init__(*args, **kwargs)
        self.item = item
        self.fields["units"].widget.choices = unit_choices()

    def to_input(self) -> ItemInput:
        data = dict(self.cleaned_data)
        data["minutes_per_occurrence"] = data.get("minutes_per_occurrence") or Decimal(0)
        data["occurrences_per_year"] = data.get("occurrences_per_year") or Decimal(0)
        data["units"] = list(data["units"])
        kle = data.pop("kle", None)
        data["kle_id"] = kle.pk if kle else None
        return ItemInput(**data)


class ItemFilterForm(DKFDSFormMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    layer = forms.ChoiceField(
        label=_("Layer"), required=False, choices=[("", _("All layers")), *Layer.choices]
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *Kind.choices]
    )
    unit = UnitChoiceField(
        label=_("Unit"),
        required=False,
        empty_label=_("All units"),
        widget=widgets.Select,
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("All statuses")),
            *ItemStatus.choices,
            ("review", _("Under review")),
        ],
    )
    min_hours = _decimal(_("Hours per year, at least"), required=False)
    max_hours = _decimal(_("Hours per year, at most"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("burden", _("Burden, largest first")),
            ("burden_asc", _("Burden, smallest first")),
            ("title", _("Title")),
            ("introduced", _("Newest first")),
        ],
    )

    kle = forms.ChoiceField(label=_("Task area (KLE)"), required=False)
    group = forms.ChoiceField(
        label=_("Group by task area"),
        required=False,
        choices=[
            ("", _("No grouping")),
            ("main_group", _("KLE main groups")),
            ("group", _("KLE groups")),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].widget.choices = unit_choices(empty_label=_("All units"))
        self.fields["kle"].choices = [("", _("All task areas")), *kle.area_choices()]

    def clean(self):
        data = super().clean()
        low, high = data.get("min_hours"), data.get("max_hours")
        if low is not None and high is not None and low > high:
            self.add_error("max_hours", _("The upper limit must not be below the lower limit."))
        return data


class ActivityForm(DKFDSFormMixin, forms.Form):
    name = forms.CharField(
        label=_("Activity"),
        max_length=200,
        help_text=_("For example: register the visit, write the note, approve, report."),
        error_messages={"required": _("Name the activity.")},
    )
    minutes_per_occurrence = _decimal(_("Minutes per occurrence"))
    occurrences_per_year = _decimal(_("Occurrences per person per year"))
    performed_by = forms.ChoiceField(
        label=_("Who does it"), choices=RoleGroup.choices, initial=RoleGroup.EMPLOYEES
    )
    basis = forms.ChoiceField(label=_("Basis of the figures"), choices=EstimateBasis.choices)


SCALE = [(i, str(i)) for i in range(1, 6)]


def _scale_question(label) -> forms.TypedChoiceField:
    """One of the four questions, answered on the 1–5 scale."""
    return forms.TypedChoiceField(
        label=label,
        choices=SCALE,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a value from 1 to 5.")},
    )


class AssessmentForm(DKFDSFormMixin, forms.Form):
    professional = _scale_question(_("Is it in line with your professional judgement?"))
    learning = _scale_question(_("Does it promote learning?"))
    involving = _scale_question(_("Were you involved in how it is shaped and used?"))
    meaningful = _scale_question(_("Is its purpose clear and meaningful to you?"))
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Comments are shown without names or dates, in random order, and only when "
            "enough people have answered. Do not write anything that identifies you."
        ),
    )


class ReviewOpenForm(DKFDSFormMixin, forms.Form):
    purpose = forms.CharField(
        label=_("What should the review clarify?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    stake_groups = forms.MultipleChoiceField(
        label=_("Role groups with a stake"),
        choices=RoleGroup.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The review warns while one of these groups has not been involved."),
        error_messages={"required": _("Choose at least one role group with a stake.")},
    )


class ParticipantForm(DKFDSFormMixin, forms.Form):
    role_group = forms.ChoiceField(label=_("Role group"), choices=RoleGroup.choices)
    person_reference = forms.CharField(
        label=_("E-mail or employee number"),
        help_text=_(
            "For someone in the organisation: they then find the review on their own page. "
            "Leave empty for someone from outside, and write the name or function below."
        ),
        max_length=254,
        required=False,
    )
    name = forms.CharField(
        label=_("Name or function"),
        help_text=_("Filled in from the organisation when left empty."),
        max_length=200,
        required=False,
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        reference = data.get("person_reference", "").strip()
        data["person"] = None
        if reference:
            data["person"] = org_selectors.person_by_reference(self.user, reference)
            if data["person"] is None:
                self.add_error(
                    "person_reference",
                    _("No active person you can see has that e-mail or employee number."),
                )
        # Without a person, services.add_participant asks for the name.
        return data


class RoleGroupInviteForm(DKFDSFormMixin, forms.Form):
    """Invite a whole role group from the role grants (services.invite_role_group)."""

    role = forms.ChoiceField(
        label=_("Group"),
        choices=[
            ("med_tr", _("All MED/TR representatives")),
            ("politician", _("All politicians")),
        ],
    )
    unit = PickedUnitField(
        label=_("Of the unit"),
        queryset=Unit.objects.filter(is_active=True),
        required=False,
        empty_label=_("The whole organisation"),
        help_text=_(
            "Those with the role for this unit or a unit below it, and those with it for the "
            "whole organisation (e.g. the forvaltning's MED/TR, the committee's politicians)."
        ),
    )


class ContributionForm(DKFDSFormMixin, forms.Form):
    """A note to the dialogue log from someone invited to the review."""

    text = forms.CharField(
        label=_("Your contribution to the dialogue log"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write the note.")},
    )


class ReportNoteForm(DKFDSFormMixin, forms.Form):
    text = forms.CharField(
        label=_("Internal note"),
        help_text=_("For the Meningssamling only: the reporter does not see it."),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write the note.")},
    )


class NoteForm(DKFDSFormMixin, forms.Form):
    role_group = forms.ChoiceField(
        label=_("Said by"),
        required=False,
        choices=[("", _("The facilitator")), *RoleGroup.choices],
    )
    text = forms.CharField(
        label=_("Note for the dialogue log"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write the note.")},
    )


class DecisionForm(DKFDSFormMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=Decision.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose one of the four decisions.")},
    )
    rationale = forms.CharField(
        label=_("Rationale"),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Give the rationale for the decision.")},
    )
    decided_on = forms.DateField(
        label=_("Date of the decision"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        error_messages={"invalid": _("Write the date as yyyy-mm-dd.")},
    )
    new_activity_name = forms.CharField(
        label=_("New way of working (change or anchor)"),
        max_length=200,
        required=False,
        help_text=_("For example: document only deviations from the plan."),
    )
    new_minutes_per_occurrence = _decimal(_("New minutes per occurrence"), required=False)
    new_occurrences_per_year = _decimal(_("New occurrences per person per year"), required=False)

    def clean(self):
        data = super().clean()
        # The service's rule, shown at once with the form's own errors.
        errors = decision_errors(
            decision=data.get("decision") or "",
            rationale=data.get("rationale") or "",
            decided_on=data.get("decided_on"),
            new_activity_name=data.get("new_activity_name") or "",
            new_minutes_per_occurrence=data.get("new_minutes_per_occurrence"),
            new_occurrences_per_year=data.get("new_occurrences_per_year"),
        )
        for name, message in errors.items():
            if name not in self.errors:
                self.add_error(name, message)
        return data


class BaselineForm(DKFDSFormMixin, forms.Form):
    baseline_on = forms.DateField(
        label=_("Baseline date"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        help_text=_("Burden added and removed is counted from this date."),
        error_messages={
            "required": _("Give the baseline date."),
            "invalid": _("Write the date as yyyy-mm-dd."),
        },
    )


class RedTapeForm(DKFDSFormMixin, forms.Form):
    item = ItemReferenceField(
        label=_("Reference of a registered item"),
        help_text=_(
            "Use “Report red tape about it” on the item's page to fill this in, or leave it "
            "empty if the governance is not in the register."
        ),
    )
    title = forms.CharField(
        label=_("What is it? (if not in the register)"), max_length=200, required=False
    )
    description = forms.CharField(
        label=_("What makes no sense?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Describe what makes no sense.")},
    )
    minutes_per_week = forms.IntegerField(
        label=_("About how many minutes does it cost you per week?"),
        required=False,
        min_value=0,
        error_messages={
            "invalid": _("Write a whole number."),
            "min_value": _("Minutes cannot be negative."),
        },
    )
    suggestion = forms.CharField(
        label=_("Your suggestion"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    anonymous = forms.BooleanField(
        label=_("Report anonymously"),
        required=False,
        help_text=_(
            "Nothing links an anonymous report to you. You get a private code to follow it."
        ),
    )

    # services.report_red_tape asks for a title when no item is chosen.


class FollowUpForm(DKFDSFormMixin, forms.Form):
    code = forms.CharField(
        label=_("Your follow-up code"),
        max_length=20,
        error_messages={"required": _("Write the code you got when you reported.")},
    )


class ReplyForm(DKFDSFormMixin, forms.Form):
    text = forms.CharField(
        label=_("Your reply"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write your reply.")},
    )


class HandleReportForm(DKFDSFormMixin, forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ReportStatus.choices)
    answer = forms.CharField(
        label=_("Answer to the reporter"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required when the report is rejected or resolved."),
    )
    item = ItemReferenceField(label=_("Reference of the linked item"))


class ImportForm(DKFDSFormMixin, forms.Form):
    file = forms.FileField(
        label=_("Register file (CSV or XLSX)"),
        error_messages={"required": _("Choose a file to import.")},
    )


# --- the follow-up loop ------------------------------------------------------------


def _date_field(label, **kwargs) -> forms.DateField:
    return forms.DateField(
        label=label,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        error_messages={
            "required": _("Give the date."),
            "invalid": _("Write the date as yyyy-mm-dd."),
        },
        **kwargs,
    )


class AssignReportForm(DKFDSFormMixin, forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("Responsible for the answer"),
        queryset=None,
        required=False,
        empty_label=_("Nobody yet"),
        help_text=_("Someone from the Meningssamling who may answer reports from this unit."),
    )

    def __init__(self, *args, candidates=None, **kwargs):
        from django.contrib.auth import get_user_model

        self._candidates = [u.pk for u in candidates or []]
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        field.queryset = (
            get_user_model()
            .objects.filter(pk__in=self._candidates)
            .order_by("first_name", "last_name", "username")
        )
        field.label_from_instance = lambda user: user.get_full_name() or user.username


class DecisionFollowUpForm(DKFDSFormMixin, forms.Form):
    follow_up_on = _date_field(_("Follow-up date"))
    verdict = forms.ChoiceField(
        label=_("Verdict"),
        choices=[("", _("Not followed up yet")), *FollowUpVerdict.choices],
        required=False,
        help_text=_("Was the burden really freed, and did the change work?"),
    )
    note = forms.CharField(
        label=_("What the follow-up found"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Required with a verdict: what did those governed say, what do the figures show?"
        ),
    )


class EscalationAnswerForm(DKFDSFormMixin, forms.Form):
    follow_up_on = _date_field(
        _("Ask again on"), help_text=_("When to chase the answer if it has not come.")
    )
    answer = forms.ChoiceField(
        label=_("Answer from the higher layer"), choices=EscalationAnswer.choices
    )
    answered_on = _date_field(_("Date of the answer"), required=False)
    note = forms.CharField(
        label=_("What the answer said"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
