"""
GOV.UK Design System markup for every Django form, including Django's own.

The renderer (settings.FORM_RENDERER) gives each form the GOV.UK form, field and
error templates and a BoundField that adds the GOV.UK classes to each widget, so
forms themselves stay plain Django.
"""

import datetime
import re

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.forms.boundfield import BoundField
from django.forms.renderers import TemplatesSetting

WIDGET_CLASSES = {
    "input": "govuk-input",
    "textarea": "govuk-textarea",
    "select": "govuk-select",
    "file": "govuk-file-upload",
    "checkbox": "govuk-checkboxes__input",
    "checkboxes": "govuk-checkboxes__input",
    "radios": "govuk-radios__input",
}


class GovukBoundField(BoundField):
    @property
    def govuk_kind(self) -> str:
        widget = self.field.widget
        if widget.is_hidden:
            return "hidden"
        if isinstance(widget, GovukDateInput):
            return "date"
        if isinstance(widget, forms.CheckboxSelectMultiple):
            return "checkboxes"
        if isinstance(widget, forms.RadioSelect):
            return "radios"
        if isinstance(widget, forms.CheckboxInput):
            return "checkbox"
        if isinstance(widget, forms.Textarea):
            return "textarea"
        if isinstance(widget, forms.Select):
            return "select"
        if isinstance(widget, forms.ClearableFileInput | forms.FileInput):
            return "file"
        return "input"

    @property
    def govuk_error_target(self) -> str:
        """The id the error summary links to: the first input of a group."""
        if self.govuk_kind in {"date", "checkboxes", "radios"}:
            return f"{self.auto_id}_0"
        return self.id_for_label

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        kind = self.govuk_kind
        if kind in WIDGET_CLASSES:
            css = [WIDGET_CLASSES[kind], attrs.get("class", "")]
            if self.errors and kind in {"input", "textarea", "select", "file"}:
                css.append(f"{WIDGET_CLASSES[kind]}--error")
            attrs["class"] = " ".join(c for c in css if c)
        return attrs


class GovukFormRenderer(TemplatesSetting):
    form_template_name = "components/forms/form.html"
    field_template_name = "components/forms/field.html"
    bound_field_class = GovukBoundField


class GovukDateInput(forms.MultiWidget):
    """The GOV.UK date input: day, month and year as three short text boxes."""

    template_name = "components/forms/widgets/date.html"
    use_fieldset = True
    parts = ("Day", "Month", "Year")

    def __init__(self, attrs=None):
        widgets = [
            forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})
            for _ in self.parts
        ]
        super().__init__(widgets, attrs)

    def decompress(self, value):
        if isinstance(value, datetime.date):
            return [str(value.day), str(value.month), str(value.year)]
        if isinstance(value, str) and value.count("-") == 2:
            year, month, day = value.split("-")
            return [day, month, year]
        return [None, None, None]

    def value_from_datadict(self, data, files, name):
        day, month, year = (
            (part or "").strip() for part in super().value_from_datadict(data, files, name)
        )
        if not (day or month or year):
            return None
        return f"{year}-{month}-{day}"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        has_error = context["widget"]["attrs"].get("aria-invalid") == "true"
        for part, subwidget in zip(self.parts, context["widget"]["subwidgets"], strict=True):
            width = 4 if part == "Year" else 2
            css = f"govuk-input govuk-date-input__input govuk-input--width-{width}"
            if has_error:
                css += " govuk-input--error"
            subwidget["attrs"].pop("aria-invalid", None)
            subwidget["attrs"].pop("required", None)
            subwidget["attrs"]["class"] = css
            subwidget["label"] = part
        return context


class GovukDateField(forms.DateField):
    widget = GovukDateInput

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", ["%Y-%m-%d"])
        super().__init__(**kwargs)
        label = self.label or "The date"
        self.error_messages["invalid"] = f"{label} must be a real date"
        self.error_messages["required"] = f"Enter the {label[0].lower()}{label[1:]}"

    def to_python(self, value):
        if isinstance(value, str):
            if "" in value.split("-"):
                raise forms.ValidationError(
                    f"{self.label or 'The date'} must include a day, month and year",
                    code="incomplete",
                )
            if not re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", value):
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


def call_service(form, service, **kwargs):
    """Run a service for a valid form; a refusal becomes an error on the form.

    Returns what the service returned, or None when it refused (the form then
    carries the message and the page is shown again with the error summary).
    """
    try:
        return service(**kwargs)
    except ValidationError as error:
        form.add_error(None, error)
        return None


def posted(request, files=False):
    """A form's data: bound on POST, even an empty one (which `request.POST or None` misses)."""
    if request.method != "POST":
        return (None, None) if files else None
    return (request.POST, request.FILES) if files else request.POST


class SignInForm(AuthenticationForm):
    """Django's sign-in form, saying the same thing whether or not the username exists."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "Enter a correct username and password. Both are case-sensitive.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Django sets the username's max_length without checking it; a longer one
        # would reach the sign-in records (django-axes) and fail there.
        username = self.fields["username"]
        username.validators.append(MaxLengthValidator(username.max_length))
