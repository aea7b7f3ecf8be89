from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from actions.evidence import ALLOWED_DESCRIPTION
from sscp import roles
from sscp.forms import GovukDateField
from sscp.models import User
from sscp.uploads import MultipleFileField

TEXT = {"rows": 5}


class ActionForm(forms.Form):
    """The partnership team plans an action for one of the recommendation's owning agencies."""

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
    due_date = GovukDateField(label="Due date", help_text="For example, 27 3 2027")

    def __init__(self, *args, recommendation, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        agencies = recommendation.agencies.order_by("name")
        self.fields["agency"].queryset = agencies
        leads = User.objects.filter(
            agency__in=agencies, groups__name=roles.AGENCY_LEAD, is_active=True
        ).select_related("agency")
        self.fields["owner"].queryset = leads
        self.fields["owner"].label_from_instance = lambda user: f"{user} ({user.agency.short_name})"
        if editing:
            # An action's agency and dates are not edited here: the due date has its
            # own correction with a reason, and the original never changes.
            del self.fields["agency"]
            del self.fields["due_date"]

    def clean(self):
        cleaned = super().clean()
        owner = cleaned.get("owner")
        agency = cleaned.get("agency", self.initial.get("agency"))
        if owner is not None and agency is not None and owner.agency_id != agency.pk:
            self.add_error("owner", f"Choose an owner from the leads of {agency}")
        return cleaned


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs=TEXT))

    def __init__(self, *args, label="Reason", help_text="", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = label
        self.fields["reason"].help_text = help_text
        self.fields["reason"].error_messages["required"] = f"Enter the {label.lower()}"


class DueDateCorrectionForm(forms.Form):
    due_date = GovukDateField(label="New due date", help_text="For example, 27 3 2027")
    reason = forms.CharField(
        label="Reason for the change",
        widget=forms.Textarea(attrs=TEXT),
        error_messages={"required": "Enter the reason for changing the due date"},
    )


class ProgressForm(forms.Form):
    text = forms.CharField(
        label="Progress update",
        widget=forms.Textarea(attrs=TEXT),
        help_text="What has been done since the last update, and what is next.",
        error_messages={"required": "Enter the progress update"},
    )


class EvidenceForm(forms.Form):
    files = MultipleFileField(
        label="Evidence files",
        help_text=(
            f"Choose one or more files: {ALLOWED_DESCRIPTION}, each smaller than "
            f"{filesizeformat(settings.EVIDENCE_MAX_BYTES)}."
        ),
        error_messages={"required": "Choose at least one file to upload"},
    )
    description = forms.CharField(
        label="What the files show",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Describe what the files show"},
    )


class SubmitForm(forms.Form):
    completion_statement = forms.CharField(
        label="Completion statement",
        widget=forms.Textarea(attrs=TEXT),
        help_text=(
            "How the action was completed, and how the evidence shows it meets the success measure."
        ),
        error_messages={"required": "Enter a completion statement"},
    )


class ExtensionRequestForm(forms.Form):
    requested_due_date = GovukDateField(label="New due date", help_text="For example, 27 3 2027")
    reason = forms.CharField(
        label="Why more time is needed",
        widget=forms.Textarea(attrs=TEXT),
        error_messages={"required": "Enter the reason for the extension"},
    )


class SignOffForm(forms.Form):
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


class ExtensionDecisionForm(forms.Form):
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


class ReminderFrequencyForm(forms.Form):
    reminder_frequency = forms.ChoiceField(
        label="How often do you want reminders about work that is due soon?",
        choices=User.ReminderFrequency.choices,
        widget=forms.RadioSelect,
        help_text="Overdue work, escalations and returned actions are always sent the same day.",
        error_messages={"required": "Choose how often you want reminders"},
    )
