from django import forms
from django.utils import timezone

from sscp.forms import GovukDateField, GovukForm, years_from_today


class MeetingForm(GovukForm):
    # A meeting is arranged ahead; one years away is a slip of the keyboard.
    date = GovukDateField(
        label="Date of the meeting",
        latest=years_from_today(2),
        help_text="For example, 14 1 2027. The agenda is filled with what awaits the SILG "
        "chair now; you can refresh it, reorder it and remove items until the pack is issued.",
    )

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date < timezone.localdate():
            raise forms.ValidationError("The date of the meeting must be today or in the future")
        return date


class AgendaItemForm(GovukForm):
    """Which item of the agenda a button is about (and, to move it, which way)."""

    item = forms.ModelChoiceField(
        queryset=None,
        label="Agenda item",
        error_messages={
            "required": "Choose an item on this meeting's agenda",
            "invalid_choice": "Choose an item on this meeting's agenda",
        },
    )

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = meeting.items.all()


class MoveForm(AgendaItemForm):
    direction = forms.ChoiceField(
        label="Direction",
        choices=[("up", "Up"), ("down", "Down")],
        error_messages={
            "required": "Choose whether to move the item up or down",
            "invalid_choice": "Choose whether to move the item up or down",
        },
    )
