from django import forms

from reviews.models import Theme
from sscp import roles
from sscp.forms import GovukDateField, GovukForm, years_from_today
from sscp.models import Agency, ClosureDay, Partnership

EMAIL_ERRORS = {
    "required": "Enter the email address",
    "invalid": "Enter an email address in the correct format, like name@example.com",
}


class RoleForm(GovukForm):
    """A role in the partnership, with the agency an agency lead acts for.

    Any agency may be chosen by its id, though only those serving the partnership are
    offered: the service then says plainly why another is refused.
    """

    role = forms.ChoiceField(
        choices=roles.Role.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the role"},
    )
    agency = forms.ModelChoiceField(
        queryset=Agency.objects.all(),
        required=False,
        empty_label="Choose an agency",
        help_text="For an agency lead only: the agency they act for.",
    )

    def __init__(self, *args, partnership: Partnership, **kwargs):
        super().__init__(*args, **kwargs)
        serving = Agency.objects.filter(partnerships=partnership, is_active=True)
        self.fields["agency"].widget.choices = [("", "Choose an agency")] + [
            (agency.pk, agency.name) for agency in serving
        ]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("role") == roles.AGENCY_LEAD and not cleaned.get("agency"):
            self.add_error("agency", "Choose the agency the agency lead acts for")
        if cleaned.get("role") != roles.AGENCY_LEAD:
            cleaned["agency"] = None
        return cleaned


class InvitationForm(RoleForm):
    email = forms.EmailField(
        label="Email address",
        max_length=150,
        error_messages=EMAIL_ERRORS,
        help_text="The invitation, with a link to accept it, is sent to this address.",
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    field_order = ["email", "role", "agency"]


class ReasonForm(GovukForm):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For the record: for example, how you confirmed who asked for it.",
        error_messages={"required": "Enter why the second factor is being reset"},
    )


class ConfirmForm(GovukForm):
    """A button that confirms what the page says will happen: nothing to fill in."""


PASSWORD_WIDGET = forms.PasswordInput(attrs={"autocomplete": "new-password"})


class NewAccountForm(GovukForm):
    """What a new person chooses when accepting an invitation. How strong the password
    must be is the service's rule (partnerships.services), checked with their name."""

    first_name = forms.CharField(
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "given-name", "spellcheck": "false"}),
        error_messages={"required": "Enter your first name"},
    )
    last_name = forms.CharField(
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "family-name", "spellcheck": "false"}),
        error_messages={"required": "Enter your last name"},
    )
    password = forms.CharField(
        strip=False,
        widget=PASSWORD_WIDGET,
        help_text="At least 8 characters, not only numbers, and not a common password.",
        error_messages={"required": "Enter a password"},
    )
    password_again = forms.CharField(
        label="Type the password again",
        strip=False,
        widget=PASSWORD_WIDGET,
        error_messages={"required": "Type the password again"},
    )

    def clean(self):
        cleaned = super().clean()
        first, again = cleaned.get("password"), cleaned.get("password_again")
        if first and again and first != again:
            self.add_error("password_again", "The two passwords do not match: type them again")
        return cleaned


class AgencyForm(GovukForm):
    name = forms.CharField(
        max_length=200,
        help_text="Its full name, for example “Hampshire and Isle of Wight Constabulary”.",
        error_messages={"required": "Enter the agency's name"},
    )
    short_name = forms.CharField(
        max_length=60,
        help_text="The name used in tables, for example “Police”.",
        error_messages={"required": "Enter the agency's short name"},
    )
    sector = forms.ChoiceField(
        choices=Agency.Sector.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the agency's sector"},
    )
    board_position = forms.CharField(
        label="Board position",
        max_length=200,
        required=False,
        help_text="Who represents the agency on the partnership board.",
    )


class AgencyEditForm(AgencyForm):
    is_active = forms.BooleanField(
        label="The agency is active",
        required=False,
        help_text="An agency that is not active cannot be given new actions or leads.",
    )


class AgencyJoinForm(GovukForm):
    agency = forms.ModelChoiceField(
        queryset=Agency.objects.none(),
        empty_label="Choose an agency",
        error_messages={"required": "Choose the agency that serves this partnership too"},
    )

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies


class ThemeForm(GovukForm):
    name = forms.CharField(
        max_length=Theme._meta.get_field("name").max_length,
        help_text="For example “Neglect” or “Disguised compliance”.",
        error_messages={"required": "Enter the theme's name"},
    )
    description = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What the theme covers, for people choosing it.",
    )


class ClosureDayForm(GovukForm):
    date = GovukDateField(
        label="Date the office is closed",
        latest=years_from_today(2),
        help_text="Today or a day to come. For example, 24 12 2026.",
    )
    reason = forms.CharField(
        max_length=ClosureDay._meta.get_field("reason").max_length,
        help_text="For example, “Office closed between Christmas and New Year”.",
        error_messages={"required": "Enter the reason the office is closed"},
    )


class PartnershipForm(GovukForm):
    name = forms.CharField(
        max_length=200,
        help_text="For example “Southampton Safeguarding Children Partnership”.",
        error_messages={"required": "Enter the partnership's name"},
    )
    short_name = forms.CharField(
        max_length=60,
        help_text="The name used in the header, for example “Southampton”.",
        error_messages={"required": "Enter the partnership's short name"},
    )
    area = forms.CharField(
        label="Area served",
        max_length=200,
        required=False,
        help_text="For example “Southampton City”.",
    )
    two_factor = forms.ChoiceField(
        label="Who must use a second factor to sign in",
        choices=Partnership.TwoFactor.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose who must use a second factor",
            "invalid_choice": "Choose who must use a second factor",
        },
    )


class AccessReviewFilter(forms.Form):
    dormant = forms.BooleanField(required=False)
