import datetime

from django import forms

from learning.models import HIGHEST_SCORE, LOWEST_SCORE, LearningActivity
from reviews.models import Recommendation
from sscp.forms import GovukDateField, GovukForm, years_from_today

EARLIEST = datetime.date(1990, 1, 1)
# GOV.UK asks for numbers in a text box (not type="number", which browsers change on scrolling).
NUMBER = forms.TextInput(attrs={"class": "govuk-input--width-5", "inputmode": "numeric"})


def count_field(label: str, hint: str = "") -> forms.IntegerField:
    return forms.IntegerField(
        label=label, required=False, min_value=0, max_value=1_000_000, widget=NUMBER, help_text=hint
    )


class RecommendationChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, recommendation):
        return f"{recommendation.review.title}, recommendation {recommendation.number}"


class LearningActivityForm(GovukForm):
    personal_data_fields = ("description",)
    kind = forms.ChoiceField(
        label="Kind of activity",
        choices=LearningActivity.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the kind of activity"},
    )
    title = forms.CharField(
        max_length=200,
        help_text="For example, “Child sexual abuse in the family environment (CSAFE)”.",
        error_messages={"required": "Enter the title of the activity"},
    )
    description = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What it covered. Do not include details that identify a child or family.",
    )
    # A session may be planned ahead; a date decades away is a slip of the keyboard.
    held_on = GovukDateField(
        label="Date held or published", earliest=EARLIEST, latest=years_from_today(2)
    )
    audience = forms.CharField(
        max_length=200,
        required=False,
        help_text="For example, “Multi-agency practitioners”.",
    )
    places_offered = count_field(
        "Places offered", "For a briefing, training day or workshop. Leave empty for a toolkit."
    )
    attended = count_field("Number who attended")
    no_shows = count_field("Number of no-shows", "People who booked a place and did not come.")
    average_score = forms.DecimalField(
        label="Average evaluation score out of 5",
        required=False,
        min_value=LOWEST_SCORE,
        max_value=HIGHEST_SCORE,
        decimal_places=1,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-3", "inputmode": "decimal"}),
        help_text="From 1 to 5, to one decimal place, like 4.7.",
        error_messages={
            "invalid": "The average evaluation score must be a number from 1 to 5, like 4.7",
            "min_value": "The average evaluation score must be from 1 to 5, like 4.7",
            "max_value": "The average evaluation score must be from 1 to 5, like 4.7",
            "max_decimal_places": "The average evaluation score must have one decimal place "
            "at most, like 4.7",
        },
    )
    recommendations = RecommendationChoices(
        label="Recommendations it answers",
        queryset=Recommendation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, partnership, **kwargs):
        """`partnership`: the activity's own, whose recommendations it may answer."""
        super().__init__(*args, **kwargs)
        self.fields["recommendations"].queryset = (
            Recommendation.objects.filter(partnership=partnership)
            .select_related("review")
            .order_by("review__title", "number")
        )

    @staticmethod
    def initial_from(activity: LearningActivity) -> dict:
        names = [
            "kind", "title", "description", "held_on", "audience", "places_offered",
            "attended", "no_shows", "average_score",
        ]  # fmt: skip
        return {name: getattr(activity, name) for name in names} | {
            "recommendations": activity.recommendations.all()
        }
