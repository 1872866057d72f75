from django import forms
from django.utils.translation import gettext_lazy as _

from tillid.core import unit_picker
from tillid.core.forms import DKFDSFormMixin
from tillid.organisation.models import KLENumber, Role, Unit, UnitKind

EM_SPACE = "\u2003"


class UnitChoiceField(unit_picker.UnitChoiceField):
    """Active units, each named by its path, in the one unit picker of core
    (a searchable select, grouped by the top unit)."""

    def __init__(self, **kwargs):
        super().__init__(queryset=Unit.objects.filter(is_active=True).order_by("path"), **kwargs)


class KLEField(forms.CharField):
    """A KLE number typed or picked from a list that narrows as one types.

    The list of current numbers (thousands in KL's full plan) is fetched from
    `organisation:kle_search` as the user types (htmx into a datalist); the
    field itself accepts "27.24.00" or "27.24.00 Title".
    """

    def __init__(self, *, search_url=None, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 320)
        attrs = {"list": "kle-options", "autocomplete": "off", "spellcheck": "false"}
        if search_url is not None:  # may be lazy: not evaluated at import
            attrs.update(
                {
                    "hx-get": search_url,
                    "hx-trigger": "input changed delay:250ms, focus once",
                    "hx-target": "#kle-options",
                    "hx-swap": "innerHTML",
                }
            )
        kwargs.setdefault("widget", forms.TextInput(attrs=attrs))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return str(value) if isinstance(value, KLENumber) else value

    def clean(self, value):
        text = (super().clean(value) or "").strip()
        if not text:
            return None
        number = text.split()[0]
        found = KLENumber.objects.filter(number=number, expired_on__isnull=True).first()
        if found is None:
            raise forms.ValidationError(
                _("“%(number)s” is not a current KLE number. Pick one from the list."),
                params={"number": number},
            )
        return found


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


class UnitKLEForm(DKFDSFormMixin, forms.Form):
    numbers = forms.CharField(
        label=_("KLE numbers"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "The unit's task areas: KLE numbers (main groups, groups or topics) separated by "
            "spaces, commas or semicolons, e.g. 27.36 27.45.04."
        ),
    )

    def clean_numbers(self):
        raw = self.cleaned_data["numbers"].replace(",", " ").replace(";", " ")
        return [n for n in raw.split() if n]


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
