from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

_INPUT_CLASSES = {
    "select": "form-select",
    "selectmultiple": "form-select",
    "textarea": "form-input",
    "checkbox": "form-checkbox",
    "clearablefile": "form-file-input",
    "file": "form-file-input",
}


class DKFDSFormMixin:
    """Gives widgets Det Fælles Designsystem's classes and links hints and errors.

    `required_together` names fields that may all be left empty (a spare row
    of a formset) but are all needed once one is filled: they are not marked
    optional, since a user who fills the row must fill them.
    """

    required_together: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.required_together:
            self.fields[name].required_together = True
        for name, field in self.fields.items():
            widget = field.widget
            kind = widget.__class__.__name__.lower().removesuffix("input").removesuffix("widget")
            css = _INPUT_CLASSES.get(kind, "form-input")
            widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()
            # Errors are not known yet (reading self.errors here would validate
            # before a subclass narrows its querysets); full_clean adds them.
            if field.help_text:
                widget.attrs["aria-describedby"] = f"{self[name].auto_id}_hint"

    def full_clean(self):
        super().full_clean()
        # Errors are known only now; refresh the accessibility attributes.
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["aria-invalid"] = "true"
                ids = widget.attrs.get("aria-describedby", "").split()
                error_id = f"{self[name].auto_id}_error"
                if error_id not in ids:
                    ids.append(error_id)
                widget.attrs["aria-describedby"] = " ".join(ids)


class LoginForm(DKFDSFormMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": _("The username or password is wrong. Both fields are case-sensitive."),
        "inactive": _("This account has been deactivated."),
    }


class ApiTokenForm(DKFDSFormMixin, forms.Form):
    name = forms.CharField(
        label=_("What is the key for?"),
        max_length=100,
        help_text=_("For example the name of the system that will use the key."),
    )
