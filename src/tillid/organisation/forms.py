from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from tillid.core.forms import DKFDSFormMixin
from tillid.organisation.models import Role, Unit, UnitKind

EM_SPACE = "\u2003"


class UnitChoiceField(forms.ModelChoiceField):
    """Units in tree order, indented by depth so the hierarchy shows in the list."""

    def __init__(self, **kwargs):
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
