import datetime

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format

from actions.evidence import ALLOWED_DESCRIPTION
from sscp.forms import GovukDateField, GovukForm, years_from_today
from sscp.models import User
from sscp.permissions import lead_agencies
from sscp.uploads import MultipleFileField, size_in_words

TEXT = {"rows": 5}
# A due date before this, or more than DUE_DATE_YEARS_AHEAD years ahead, is a mistake.
EARLIEST_DUE_DATE = datetime.date(2000, 1, 1)
DUE_DATE_YEARS_AHEAD = 10


def due_date_field(label="Due date"):
    return GovukDateField(
        label=label,
        help_text="For example, 27 3 2027",
        earliest=EARLIEST_DUE_DATE,
        latest=years_from_today(DUE_DATE_YEARS_AHEAD),
    )


def past_date_warnings(label: str, day) -> list[str]:
    """A date already gone is unusual for a due date: the person must confirm it."""
    if day is not None and day < timezone.localdate():
        return [f"The {label}, {date_format(day)}, is in the past."]
    return []


class ActionForm(GovukForm):
    """The partnership team plans an action for one of the recommendation's owning agencies."""

    personal_data_fields = ("title", "description", "success_measure")
    agency = forms.ModelChoiceField(queryset=None, empty_label="Choose an agency")
    owner = forms.ModelChoiceField(
        queryset=None,
        required=False,
        empty_label="No single owner: every lead of the agency",
        help_text="Choose from the agency's leads.",
    )
    title = forms.CharField(
        max_length=200, help_text="A short name for the action, used in reminders."
    )
    description = forms.CharField(widget=forms.Textarea(attrs=TEXT))
    success_measure = forms.CharField(
        label="Success measure",
        widget=forms.Textarea(attrs=TEXT),
        help_text="Specific, measurable and time-bound: how will the SILG know it is done?",
    )
    due_date = due_date_field()

    def __init__(self, *args, recommendation, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        agencies = recommendation.agencies.order_by("name")
        self.fields["agency"].queryset = agencies
        self.leads = lead_agencies(
            recommendation.review.commissioners(), agencies.values_list("pk", flat=True)
        )
        self.fields["owner"].queryset = User.objects.filter(pk__in=self.leads)
        self.fields["owner"].label_from_instance = lambda user: (
            f"{user} ({', '.join(self.leads[user.pk].values())})"
        )
        if editing:
            # An action's agency and dates are not edited here: the due date has its
            # own correction with a reason, and the original never changes.
            del self.fields["agency"]
            del self.fields["due_date"]

    def clean(self):
        cleaned = super().clean()
        owner = cleaned.get("owner")
        agency = cleaned.get("agency", self.initial.get("agency"))
        if owner is not None and agency is not None and agency.pk not in self.leads[owner.pk]:
            self.add_error("owner", f"Choose an owner from the leads of {agency}")
        return cleaned

    def warnings(self):
        return past_date_warnings("due date", self.cleaned_data.get("due_date"))


class ReasonForm(GovukForm):
    reason = forms.CharField(widget=forms.Textarea(attrs=TEXT))

    def __init__(self, *args, label="Reason", help_text="", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = label
        self.fields["reason"].help_text = help_text
        self.fields["reason"].error_messages["required"] = f"Enter the {label.lower()}"


class WithdrawForm(GovukForm):
    """Why a review, recommendation or action logged in error is withdrawn (services.withdraw)."""

    personal_data_fields = ("reason",)
    intro = (
        "Withdraw only what was logged in error. It stays on the record, with your reason, "
        "but leaves every list, count, export, reminder and figure. It cannot be undone."
    )

    reason = forms.CharField(
        label="Why is it being withdrawn?",
        help_text="For example, “logged twice: see recommendation 4”. It stays on the record.",
        widget=forms.Textarea(attrs=TEXT),
        error_messages={"required": "Enter the reason it is being withdrawn"},
    )


class DueDateCorrectionForm(GovukForm):
    personal_data_fields = ("reason",)
    due_date = due_date_field("New due date")
    reason = forms.CharField(
        label="Reason for the change",
        widget=forms.Textarea(attrs=TEXT),
        error_messages={"required": "Enter the reason for changing the due date"},
    )

    def warnings(self):
        return past_date_warnings("new due date", self.cleaned_data.get("due_date"))


class MoveForm(GovukForm):
    """The partnership team moves an action logged against the wrong agency."""

    personal_data_fields = ("reason",)
    agency = forms.ModelChoiceField(
        label="Which agency should own it?",
        queryset=None,
        empty_label="Choose an agency",
        help_text="The recommendation's other owning agencies. To move it to one not yet named, "
        "add that agency to the recommendation first.",
        error_messages={"required": "Choose the agency the action moves to"},
    )
    reason = forms.CharField(
        label="Reason for moving it",
        widget=forms.Textarea(attrs=TEXT),
        error_messages={"required": "Enter the reason for moving the action"},
    )

    def __init__(self, *args, action, **kwargs):
        super().__init__(*args, **kwargs)
        others = action.recommendation.agencies.exclude(pk=action.agency_id)
        self.fields["agency"].queryset = others.order_by("name")


class ReopenForm(GovukForm):
    personal_data_fields = ("reason",)
    reason = forms.CharField(
        label="Reason for reopening",
        widget=forms.Textarea(attrs=TEXT),
        error_messages={"required": "Enter the reason for reopening the action"},
    )
    due_date = due_date_field("New due date")

    def warnings(self):
        return past_date_warnings("new due date", self.cleaned_data.get("due_date"))


class ProgressForm(GovukForm):
    personal_data_fields = ("text",)
    text = forms.CharField(
        label="Progress update",
        widget=forms.Textarea(attrs=TEXT),
        help_text="What has been done since the last update, and what is next.",
        error_messages={"required": "Enter the progress update"},
    )


class EvidenceForm(GovukForm):
    files = MultipleFileField(
        label="Evidence files",
        help_text=(
            f"Choose up to {settings.EVIDENCE_MAX_FILES} files: {ALLOWED_DESCRIPTION}, each "
            f"smaller than {size_in_words(settings.EVIDENCE_MAX_BYTES)} and "
            f"{size_in_words(settings.EVIDENCE_MAX_UPLOAD_BYTES)} in total."
        ),
        error_messages={"required": "Choose at least one file to upload"},
    )
    description = forms.CharField(
        label="What the files show",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Describe what the files show"},
    )


class SubmitForm(GovukForm):
    personal_data_fields = ("completion_statement",)
    completion_statement = forms.CharField(
        label="Completion statement",
        widget=forms.Textarea(attrs=TEXT),
        help_text=(
            "How the action was completed, and how the evidence shows it meets the success measure."
        ),
        error_messages={"required": "Enter a completion statement"},
    )


class ExtensionRequestForm(GovukForm):
    personal_data_fields = ("reason",)
    requested_due_date = due_date_field("New due date")
    reason = forms.CharField(
        label="Why more time is needed",
        widget=forms.Textarea(attrs=TEXT),
        error_messages={"required": "Enter the reason for the extension"},
    )

    def warnings(self):
        return past_date_warnings("new due date", self.cleaned_data.get("requested_due_date"))


class SignOffForm(GovukForm):
    APPROVE, RETURN = "approve", "return"
    decision = forms.ChoiceField(
        label="Your decision",
        choices=[
            (APPROVE, "Approve: the action is completed"),
            (RETURN, "Return it to the agency"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether to approve the action or return it"},
    )
    comment = forms.CharField(
        label="Comment",
        required=False,
        widget=forms.Textarea(attrs=TEXT),
        help_text="Required when you return it: say what the agency needs to do.",
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == self.RETURN and not cleaned.get("comment", "").strip():
            self.add_error("comment", "Enter a comment saying what the agency needs to do")
        return cleaned


class ExtensionDecisionForm(GovukForm):
    GRANT, DECLINE = "grant", "decline"
    decision = forms.ChoiceField(
        label="Your decision",
        choices=[(GRANT, "Grant the new due date"), (DECLINE, "Decline it")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether to grant or decline the extension"},
    )
    comment = forms.CharField(
        label="Comment",
        required=False,
        widget=forms.Textarea(attrs=TEXT),
        help_text="Required when you decline it.",
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == self.DECLINE and not cleaned.get("comment", "").strip():
            self.add_error("comment", "Enter the reason for declining the extension")
        return cleaned


class ReminderFrequencyForm(GovukForm):
    reminder_frequency = forms.ChoiceField(
        label="How often do you want reminders about work that is due soon?",
        choices=User.ReminderFrequency.choices,
        widget=forms.RadioSelect,
        help_text="Overdue work and escalations are always sent the same day.",
        error_messages={"required": "Choose how often you want reminders"},
    )
    decision_emails = forms.ChoiceField(
        label="When do you want emails about decisions on your work?",
        choices=User.DecisionEmails.choices,
        widget=forms.RadioSelect,
        required=False,  # a form from before it was asked keeps what the person chose
        help_text="An action approved or returned, an extension granted or declined, a "
        "recommendation closed or embedded. They are also listed on your notifications page.",
    )
