from django import forms
from django.contrib.auth.forms import PasswordChangeForm

from sscp.forms import GovukForm


class NameForm(GovukForm):
    first_name = forms.CharField(
        label="First name",
        max_length=150,
        error_messages={"required": "Enter your first name"},
        widget=forms.TextInput(attrs={"autocomplete": "given-name", "spellcheck": "false"}),
    )
    last_name = forms.CharField(
        label="Last name",
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "family-name", "spellcheck": "false"}),
    )


class EmailChangeForm(GovukForm):
    email = forms.EmailField(
        label="New email address",
        max_length=254,
        help_text="We will send a link to it. Your email address changes when you follow the link.",
        error_messages={
            "required": "Enter your new email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
            "max_length": "Email address must be 254 characters or fewer",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )


class PasswordForm(PasswordChangeForm):
    """Django's form for changing a password while signed in, in GOV.UK's words, with
    what is wrong with the new password shown at it, not at its confirmation."""

    error_messages = {
        "password_mismatch": "The two passwords do not match: type them again",
        "password_incorrect": "Your current password is not right: type it again",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "Current password"
        self.fields["old_password"].error_messages["required"] = "Enter your current password"
        self.fields["new_password1"].error_messages["required"] = "Enter a new password"
        self.fields["new_password2"].error_messages["required"] = "Type the new password again"

    def clean(self):
        # As sscp.accounts.NewPasswordForm: the new password's strength is said at it.
        self.validate_passwords("new_password1", "new_password2")
        self.validate_password_for_user(self.user, "new_password1")
        return forms.Form.clean(self)


CODE_WIDGET = forms.TextInput(
    attrs={
        "autocomplete": "one-time-code",
        "spellcheck": "false",
        "autocapitalize": "none",
        "class": "govuk-input--width-10",
    }
)


class SetUpCodeForm(GovukForm):
    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=20,
        help_text="The 6-digit code the app shows for this account now.",
        error_messages={"required": "Enter the 6-digit code from your authenticator app"},
        widget=CODE_WIDGET,
    )

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split())
        if not (len(code) == 6 and code.isdigit()):
            raise forms.ValidationError("The code must be 6 digits, like 123456")
        return code


class SignInCodeForm(GovukForm):
    code = forms.CharField(
        label="Code",
        max_length=40,
        help_text="The 6-digit code your authenticator app shows now, or one of your "
        "recovery codes.",
        error_messages={"required": "Enter the code from your authenticator app"},
        widget=CODE_WIDGET,
    )
