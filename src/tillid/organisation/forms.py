from django import forms
from django.contrib.auth import get_user_model
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
    username = forms.CharField(label=_("Username"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    unit = UnitChoiceField(
        label=_("Unit"),
        required=False,
        empty_label=_("The whole organisation"),
        help_text=_("The role applies to the unit and every unit below it."),
    )

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        try:
            self.cleaned_data["user"] = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise forms.ValidationError(_("There is no user with that username.")) from None
        return username


class JobFunctionRoleForm(DKFDSFormMixin, forms.Form):
    privilege = forms.CharField(
        label=_("Job-function role"),
        max_length=300,
        help_text=_(
            "The identifier of the job-function role as the municipal login sends it "
            "(a URI such as http://tillid.dk/roles/jobfunction/leder)."
        ),
    )
    role = forms.ChoiceField(label=_("Tillid role"), choices=Role.choices)
    whole_organisation = forms.BooleanField(
        label=_("For the whole organisation"),
        required=False,
        help_text=_(
            "Otherwise the role applies to the units named in the job-function role's "
            "data scope, and the units below them."
        ),
    )

    def clean_privilege(self):
        value = self.cleaned_data["privilege"].strip()
        if not value or any(c.isspace() for c in value):
            raise forms.ValidationError(_("Write the identifier without spaces."))
        return value


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
