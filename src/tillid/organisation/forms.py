from django import forms
from django.utils.translation import gettext_lazy as _

from tillid.core import widgets
from tillid.core.forms import DKFDSFormMixin
from tillid.organisation.models import Role, Unit, UnitKind

EM_SPACE = "\u2003"


class UnitChoiceField(forms.ModelChoiceField):
    """Units in tree order, indented by depth so the hierarchy shows in the list."""

    def __init__(self, **kwargs):
        # Thousands of units: the core widget renders them without a template each.
        kwargs.setdefault("widget", widgets.Select)
        super().__init__(queryset=Unit.objects.filter(is_active=True).order_by("path"), **kwargs)

    def label_from_instance(self, obj: Unit) -> str:
        return EM_SPACE * obj.depth + obj.name


class UnitSearchForm(DKFDSFormMixin, forms.Form):
    q = forms.CharField(label=_("Search units"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *UnitKind.choices]
    )


class PeopleSearchForm(DKFDSFormMixin, forms.Form):
    q = forms.CharField(label=_("Search name or e-mail"), required=False, max_length=100)
    unit = UnitChoiceField(
        label=_("Unit (with sub-units)"),
        required=False,
        empty_label=_("All units you may see"),
    )
    leaders = forms.BooleanField(label=_("Only leaders"), required=False)


class RoleGrantForm(DKFDSFormMixin, forms.Form):
    who = forms.CharField(
        label=_("Person or user"),
        max_length=200,
        help_text=_(
            "A name, an e-mail address or an employee number from the organisation, or a "
            "username. A person who has not logged in yet gets the role from the first login."
        ),
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    unit = UnitChoiceField(
        label=_("Unit"),
        required=False,
        empty_label=_("The whole organisation"),
        help_text=_("The role applies to the unit and every unit below it."),
    )

    def clean_who(self):
        from tillid.organisation.selectors import find_grantees

        who = self.cleaned_data["who"].strip()
        users, people = find_grantees(who)
        if len(people) == 1 and not users:
            self.cleaned_data["person"] = people[0]
        elif len(users) == 1 and not people:
            self.cleaned_data["user"] = users[0]
        elif not users and not people:
            raise forms.ValidationError(
                _("Nobody in the organisation or among the users matches “%(who)s”.") % {"who": who}
            )
        else:
            names = ", ".join(
                [f"{p.name} ({p.unit.name})" for p in people[:5]] + [u.username for u in users[:5]]
            )
            raise forms.ValidationError(
                _(
                    "More than one matches “%(who)s”: %(names)s. Write the e-mail address "
                    "or the employee number instead."
                )
                % {"who": who, "names": names}
            )
        return who


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else single(data, initial)


IMPORT_EXTENSIONS = (".xlsx", ".csv", ".txt")


class OrganisationImportForm(DKFDSFormMixin, forms.Form):
    files = MultipleFileField(
        label=_("Organisation file"),
        help_text=_(
            "Choose one Excel workbook (.xlsx) with the sheets Enheder and Personer, "
            "or two CSV files: one with the units and one with the people."
        ),
    )
    dry_run = forms.BooleanField(
        label=_("Only check the file (nothing is saved)"),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        widget = self.fields["files"].widget
        widget.attrs["class"] = "form-file-input"
        widget.attrs["accept"] = ",".join(IMPORT_EXTENSIONS)

    def clean_files(self):
        files = self.cleaned_data["files"]
        if len(files) > 2:
            raise forms.ValidationError(
                _("Choose one Excel workbook or two CSV files (units and people), not more.")
            )
        for upload in files:
            if not upload.name.lower().endswith(IMPORT_EXTENSIONS):
                raise forms.ValidationError(
                    _("%(name)s is neither an Excel workbook (.xlsx) nor a CSV file (.csv).")
                    % {"name": upload.name}
                )
        return files


class ConfirmDeactivationsForm(DKFDSFormMixin, forms.Form):
    """The explicit yes to an import that deactivates many: it names the number."""

    count = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    confirm = forms.BooleanField(required=True)

    def __init__(self, *args, units: int, people: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["count"].initial = units + people
        self.fields["confirm"].label = _(
            "Yes, deactivate %(units)s units and %(people)s people"
        ) % {"units": _number(units), "people": _number(people)}
        self.fields["confirm"].error_messages["required"] = _(
            "Tick the box to confirm the deactivations, or leave the page to cancel."
        )


class UndoImportForm(DKFDSFormMixin, forms.Form):
    confirm = forms.BooleanField(
        label=_("Yes, put the organisation back as it was before this import"),
        required=True,
        error_messages={"required": _("Tick the box to confirm the undo.")},
    )


def _number(value: int) -> str:
    from django.contrib.humanize.templatetags.humanize import intcomma

    return intcomma(value)
