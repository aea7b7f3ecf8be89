"""
GOV.UK Design System markup for every Django form, including Django's own.

The renderer (settings.FORM_RENDERER) gives each form the GOV.UK form, field and
error templates and a BoundField that adds the GOV.UK classes to each widget, so
forms themselves stay plain Django.
"""

import datetime
import re

from django import forms
from django.contrib import messages
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.forms.boundfield import BoundField
from django.forms.renderers import TemplatesSetting
from django.forms.utils import pretty_name
from django.http import QueryDict
from django.utils import timezone
from django.utils.formats import date_format

from sscp import personal_data
from sscp.middleware import kept_form

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
    """A GOV.UK date input. `earliest` and `latest` (dates, or functions of no arguments
    giving one) bound the dates accepted: a date outside them is impossible, not merely
    unusual, and is refused with a message saying which dates are possible."""

    widget = GovukDateInput

    def __init__(self, *, earliest=None, latest=None, **kwargs):
        kwargs.setdefault("input_formats", ["%Y-%m-%d"])
        super().__init__(**kwargs)
        self.earliest, self.latest = earliest, latest
        label = self.label or "The date"
        self.error_messages["invalid"] = f"{label} must be a real date"
        self.error_messages["required"] = f"Enter the {phrase(label)}"

    def validate(self, value):
        super().validate(value)
        if value is None:
            return
        label = self.label or "The date"
        earliest, latest = _bound(self.earliest), _bound(self.latest)
        if earliest and value < earliest:
            raise ValidationError(
                f"{label} must be on or after {date_format(earliest)}", code="too_early"
            )
        if latest and value > latest:
            message = (
                f"{label} must be today or in the past"
                if latest == timezone.localdate()
                else f"{label} must be on or before {date_format(latest)}"
            )
            raise ValidationError(message, code="too_late")

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


def _bound(bound):
    return bound() if callable(bound) else bound


def years_from_today(years: int):
    """A bound for GovukDateField: the same day `years` from today (28 February in a leap)."""

    def bound():
        today = timezone.localdate()
        try:
            return today.replace(year=today.year + years)
        except ValueError:
            return today.replace(year=today.year + years, day=28)

    return bound


def phrase(label: str) -> str:
    """A label as it reads inside a sentence: "Due date" → "due date", "SILG chair" kept."""
    label = str(label)
    if len(label) > 1 and label[1].isupper():
        return label
    return label[:1].lower() + label[1:]


def govuk_error_messages(name: str, field: forms.Field) -> dict[str, str]:
    """GOV.UK's words, naming the field, for each message the field still has from Django."""
    label = str(field.label or pretty_name(name))
    it = phrase(label)
    lengths = {"max_length": f"{label} must be %(limit_value)d characters or fewer"}
    if isinstance(field, forms.FileField):
        wanted = {
            "required": "Choose a file to upload",
            "empty": "The selected file is empty",
            "invalid": "The selected file could not be read: choose it again",
            "missing": "Choose a file to upload",
        }
        lengths = {"max_length": "The file name must be %(max)d characters or fewer"}
    elif isinstance(field, forms.ChoiceField | forms.ModelChoiceField):
        wanted = {
            "required": f"Choose the {it}",
            "invalid_choice": f"Choose the {it} from the list",
        }
        if isinstance(field, forms.ModelMultipleChoiceField | forms.MultipleChoiceField):
            wanted |= {"required": f"Choose at least one of the {it}"}
    else:
        wanted = {"required": f"Enter the {it}"}
    wanted |= lengths | {
        "min_length": f"{label} must be %(limit_value)d characters or more",
        "min_value": f"{label} must be %(limit_value)s or more",
        "max_value": f"{label} must be %(limit_value)s or less",
    }
    if isinstance(field, forms.IntegerField):
        wanted["invalid"] = f"{label} must be a whole number, like 3"
    defaults = {}
    for cls in reversed(type(field).__mro__):
        defaults.update(getattr(cls, "default_error_messages", {}))
    defaults |= {"max_length": None, "min_length": None, "min_value": None, "max_value": None}
    return {
        code: message
        for code, message in wanted.items()
        if field.error_messages.get(code, defaults.get(code)) == defaults.get(code)
    }


CONFIRM_FIELD = "confirm"


class GovukForm(forms.Form):
    """A form whose every error is in GOV.UK's words and names its field, and which can
    ask the person to confirm something unusual (a due date in the past) before going on.

    Subclasses list what needs confirming in `warnings()`, from `cleaned_data`, and
    name in `personal_data_fields` the free-text fields the personal data guard checks
    (sscp.personal_data). While there are warnings and the box is not ticked, the form
    is not valid: it shows the warnings and a checkbox. Once it is ticked,
    `confirmed_warnings` holds what the person confirmed, for the service to put on the
    record.
    """

    confirmed_warnings: list[str] = []
    personal_data_fields: tuple[str, ...] = ()

    def warnings(self) -> list[str]:
        return []

    def personal_data_warnings(self) -> list[str]:
        """A warning for each named field whose text looks like it identifies someone."""
        return [
            warning
            for name in self.personal_data_fields
            if name in self.fields
            for warning in personal_data.warnings_for(
                self.fields[name].label or pretty_name(name), self.cleaned_data.get(name) or ""
            )
        ]

    def full_clean(self):
        for name, field in self.fields.items():
            field.error_messages.update(govuk_error_messages(name, field))
        super().full_clean()
        if self.is_bound and not self._errors:
            self._ask_to_confirm(self.warnings() + self.personal_data_warnings())

    def _ask_to_confirm(self, warnings: list[str]) -> None:
        if not warnings:
            return
        if self.data.get(CONFIRM_FIELD):
            self.confirmed_warnings = warnings
            return
        self.fields[CONFIRM_FIELD] = confirm_field(warnings)
        self.add_error(CONFIRM_FIELD, "Tick the box to confirm, or change your answers")


def confirm_field(warnings: list[str]) -> forms.BooleanField:
    """The box a person ticks to go on despite the warnings, which it shows as its hint."""
    return forms.BooleanField(
        label="Yes, I have checked and want to continue",
        required=False,
        help_text=" ".join(warnings),
    )


def call_service(form, service, **kwargs):
    """Run a service for a valid form; a refusal becomes an error on the form.

    A refusal about one field (a ValidationError with a dict) is shown at that
    field; any other at the top. Returns what the service returned, or None when it
    refused (the form then carries the message and the page is shown again with the
    error summary).
    """
    try:
        return service(**kwargs)
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            form.add_error(None, error)
            return None
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
        return None


def posted(request, files=False):
    """A form's data: bound on POST, even an empty one (which `request.POST or None` misses);
    on the page a person comes back to after signing in again, what they had typed before
    their session ended (sscp.middleware.KeepWhatWasTypedMiddleware)."""
    if request.method != "POST":
        data = _kept(request)
        return (data, None) if files else data
    return (request.POST, request.FILES) if files else request.POST


def _kept(request) -> QueryDict | None:
    typed = kept_form(request)
    if typed is None:
        return None
    messages.warning(
        request,
        "You were signed out before this was saved. What you typed is filled in below: "
        "check it, then save it again.",
    )
    data = QueryDict(mutable=True)
    for name, values in typed.items():
        data.setlist(name, values)
    return data


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
