import datetime

from django import forms
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format

from actions.evidence import ALLOWED_DESCRIPTION
from reviews import import_files
from reviews.models import ImpactCheck, Recommendation, Review, Theme
from sscp.forms import CONFIRM_FIELD, GovukDateField, GovukForm, confirm_field, phrase
from sscp.models import Agency, Partnership
from sscp.uploads import MultipleFileField, size_in_words

EARLIEST = datetime.date(1990, 1, 1)


class ReviewForm(GovukForm):
    # The title is the review's pseudonym ("Freddie"), chosen not to identify anyone.
    personal_data_fields = ("summary",)
    title = forms.CharField(
        max_length=200,
        help_text="The name the review is known by, for example “Freddie”.",
        error_messages={"required": "Enter the review's title"},
    )
    kind = forms.ChoiceField(
        label="Kind of review",
        choices=Review.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the kind of review"},
    )
    summary = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What the review found. Do not include details that identify the child.",
    )
    # A review's dates have happened: one in the future, or before case reviews as they
    # are known today, is a slip of the keyboard.
    commissioned_on = GovukDateField(
        label="Date commissioned", required=False, earliest=EARLIEST, latest=timezone.localdate
    )
    published_on = GovukDateField(
        label="Date published", required=False, earliest=EARLIEST, latest=timezone.localdate
    )
    themes = forms.ModelMultipleChoiceField(
        queryset=Theme.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    joint_partnerships = forms.ModelMultipleChoiceField(
        label="Commissioned jointly with",
        queryset=Partnership.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Each partnership ticked sees the review and all its recommendations and "
        "actions.",
    )

    def __init__(self, *args, partnership, **kwargs):
        """`partnership`: the review's own, whose themes it is given."""
        super().__init__(*args, **kwargs)
        self.fields["themes"].queryset = Theme.objects.filter(partnership=partnership)
        self.fields["joint_partnerships"].queryset = Partnership.objects.exclude(pk=partnership.pk)

    def clean(self):
        cleaned = super().clean()
        commissioned, published = cleaned.get("commissioned_on"), cleaned.get("published_on")
        if commissioned and published and published < commissioned:
            self.add_error(
                "published_on", "Date published must be on or after the date commissioned"
            )
        return cleaned


class RecommendationForm(GovukForm):
    personal_data_fields = ("text",)
    number = forms.IntegerField(
        label="Recommendation number",
        min_value=1,
        max_value=32767,
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-4"}),
        error_messages={"required": "Enter the recommendation's number"},
    )
    text = forms.CharField(
        label="Recommendation",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Enter the recommendation"},
    )
    themes = forms.ModelMultipleChoiceField(
        queryset=Theme.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    agencies = forms.ModelMultipleChoiceField(
        label="Owning agencies",
        queryset=Agency.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one owning agency"},
    )

    def __init__(self, *args, review, **kwargs):
        """The review's partnership's themes; the agencies that serve any partnership that
        commissioned it."""
        super().__init__(*args, **kwargs)
        self.fields["themes"].queryset = Theme.objects.filter(partnership=review.partnership_id)
        self.fields["agencies"].queryset = Agency.objects.filter(
            is_active=True, partnerships__in=review.commissioners()
        ).distinct()


class CloseRecommendationForm(GovukForm):
    impact_statement = forms.CharField(
        label="Statement of impact",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What difference the recommendation has made for children and practitioners.",
        error_messages={"required": "Enter a statement of the impact the recommendation made"},
    )


class ImportForm(GovukForm):
    file = forms.FileField(
        label="File to import",
        help_text="A CSV or Excel (XLSX) file laid out like the template, smaller than 2 MB.",
        error_messages={"required": "Choose a file to import"},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 2 * 1024 * 1024:
            raise forms.ValidationError("The file must be smaller than 2 MB")
        try:
            self.rows = import_files.read_rows(upload)
        except import_files.ImportFileError as error:
            raise forms.ValidationError(str(error)) from error
        return upload


class ImportConfirmForm(GovukForm):
    """Saving a previewed import. Its warnings (due dates in the past, text that looks like
    personal data) are confirmed with the same box as on the action form, shown with the
    preview; importing without ticking it is refused, and nothing is saved."""

    def __init__(self, *args, warnings: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.import_warnings = warnings
        if warnings:
            self.fields[CONFIRM_FIELD] = confirm_field(warnings)

    def warnings(self):
        return self.import_warnings


# A serious incident's statutory journey (reviews.journey) ---------------------------

PSEUDONYM_HINT = Review._meta.get_field("child_pseudonym").help_text
# How a field of the journey is asked for, where its name on the review reads badly as a
# question: (label, hint).
JOURNEY_QUESTIONS = {
    "child_pseudonym": ("The child's pseudonym", PSEUDONYM_HINT),
    "became_aware_on": ("Date the local authority became aware", ""),
    "notified_on": ("Date the notification was sent to the National Panel", ""),
    "rapid_review_started_on": ("Date the rapid review started", ""),
    "rapid_review_completed_on": ("Date the rapid review was completed", ""),
    "rapid_review_sent_on": ("Date the rapid review was sent to the National Panel", ""),
    "decision": ("Decision on a local child safeguarding practice review", ""),
    "decision_rationale": ("Reasons for the decision", ""),
    "decided_on": ("Date of the decision", ""),
    "panel_response": ("The National Panel's response", ""),
    "panel_response_on": ("Date of the Panel's response", ""),
    "local_review_commissioned_on": ("Date the local review was commissioned", ""),
    "reviewer": ("Reviewer", "The independent reviewer, or the organisation reviewing."),
    "terms_of_reference": ("Terms of reference", ""),
    "local_review_completed_on": ("Date the local review was completed", ""),
    "final_report_received_on": ("Date the final report was received", ""),
    "final_report_sent_on": (
        "Date the final report was sent to the Panel and the Secretary of State",
        "",
    ),
    "published_on": ("Date published", ""),
    "published_url": (
        "Address of the published report",
        "For example, https://www.example.org/reviews/child-a.pdf",
    ),
}
# An optional choice can be answered "not yet", as a radio can never be unticked.
NOT_YET = {"panel_response": "No response yet"}


def journey_field(name: str, *, required: bool) -> forms.Field:
    """The form field for one field of the journey on the review, by its kind."""
    model_field = Review._meta.get_field(name)
    label, hint = JOURNEY_QUESTIONS[name]
    common = {"label": label, "help_text": hint, "required": required}
    it = phrase(label).removeprefix("the ")
    if isinstance(model_field, models.DateField):
        return GovukDateField(earliest=EARLIEST, latest=timezone.localdate, **common)
    if model_field.choices:
        choices = list(model_field.choices)
        if not required:
            choices.insert(0, ("", NOT_YET.get(name, "Not yet")))
        return forms.ChoiceField(
            choices=choices,
            widget=forms.RadioSelect,
            error_messages={
                "required": f"Choose the {it}",
                "invalid_choice": f"Choose the {it} from the list",
            },
            **common,
        )
    if isinstance(model_field, models.URLField):
        return forms.URLField(
            max_length=model_field.max_length,
            assume_scheme="https",
            error_messages={
                "invalid": f"Enter the {it} as a web address, like "
                "https://www.example.org/report.pdf"
            },
            **common,
        )
    if isinstance(model_field, models.TextField):
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), **common)
    return forms.CharField(max_length=model_field.max_length, **common)


class IncidentForm(GovukForm):
    """A serious incident the local authority has become aware of: the journey's start."""

    personal_data_fields = ("summary",)
    child_pseudonym = forms.CharField(
        label="The child's pseudonym",
        max_length=Review._meta.get_field("child_pseudonym").max_length,
        help_text=PSEUDONYM_HINT,
        error_messages={"required": "Enter the child's pseudonym"},
    )
    became_aware_on = GovukDateField(
        label="Date the local authority became aware",
        earliest=EARLIEST,
        latest=timezone.localdate,
        help_text="The statutory clock runs from this day.",
    )
    summary = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What happened, briefly. Do not include details that identify the child.",
    )


class StageForm(GovukForm):
    """Recording one stage of a review's journey (a reviews.journey.Stage): a field for
    each thing the stage records, filled in with what is recorded already. Changing what
    was recorded needs a reason, which the service asks for; the form offers its box once
    anything of the stage is recorded."""

    reason = forms.CharField(
        label="Reason for the change",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed if you change anything already recorded: it goes on the review's record.",
    )

    def __init__(self, *args, stage, review: Review, days=None, **kwargs):
        """`days`: the partnership's working days (sscp.working_days), for the warnings."""
        kwargs.setdefault("initial", {name: getattr(review, name) for name in stage.fields})
        super().__init__(*args, **kwargs)
        self.stage, self.review, self.days = stage, review, days
        reason = self.fields.pop("reason")
        for name in stage.fields:
            self.fields[name] = journey_field(name, required=name in stage.required)
        if self.is_recorded:
            self.fields["reason"] = reason
        self.personal_data_fields = tuple(
            name for name in stage.fields if isinstance(self.fields[name].widget, forms.Textarea)
        )

    @property
    def is_recorded(self) -> bool:
        return any(getattr(self.review, name) not in (None, "") for name in self.stage.fields)

    def stage_values(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.stage.fields}

    def warnings(self) -> list[str]:
        """A publication sooner than FINAL_REPORT_WORKING_DAYS after the final report went
        to the Panel is unusual, not impossible: the person confirms it."""
        published, sent = self.cleaned_data.get("published_on"), self.review.final_report_sent_on
        if not (published and sent and self.days) or published < sent:
            return []
        least = settings.FINAL_REPORT_WORKING_DAYS
        if self.days.between(sent, published) >= least:
            return []
        return [
            f"The date published, {date_format(published)}, is less than {least} working days "
            f"after the final report was sent to the Panel and the Secretary of State, on "
            f"{date_format(sent)}."
        ]


class ProgressCheckForm(GovukForm):
    """The SILG's check of a local review's progress (Regulation 14)."""

    personal_data_fields = ("findings",)
    checked_on = GovukDateField(
        label="Date of the check", earliest=EARLIEST, latest=timezone.localdate
    )
    findings = forms.CharField(
        label="What the check found",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Whether the review is on time and of the quality expected, and what the "
        "SILG asked for.",
        error_messages={"required": "Enter what the check found"},
    )


class ImpactCheckForm(GovukForm):
    """What checking a closed recommendation's impact found, for the SILG chair."""

    personal_data_fields = ("findings",)
    method = forms.ChoiceField(
        label="How was the impact checked?",
        choices=ImpactCheck.Method.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how the impact was checked"},
    )
    findings = forms.CharField(
        label="What the check found",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What changed for children and practitioners, and how you know: figures, "
        "what people said, what an audit found.",
        error_messages={"required": "Enter what the impact check found"},
    )
    learning_activities = forms.ModelMultipleChoiceField(
        label="Learning activities it draws on",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The briefings, training and notes that answer this recommendation, if their "
        "reach is part of the evidence.",
    )
    files = MultipleFileField(
        label="Files that show it (optional)",
        required=False,
        help_text=(
            f"A re-audit, a survey's results, the figures. Up to {settings.EVIDENCE_MAX_FILES} "
            f"files: {ALLOWED_DESCRIPTION}, each smaller than "
            f"{size_in_words(settings.EVIDENCE_MAX_BYTES)}. Only the partnership team and the "
            "SILG chair can open them."
        ),
    )

    def __init__(self, *args, recommendation, **kwargs):
        super().__init__(*args, **kwargs)
        activities = recommendation.learning_activities.order_by("-held_on", "pk")
        self.fields["learning_activities"].queryset = activities
        if not activities.exists():
            del self.fields["learning_activities"]

    def clean_files(self):
        return [upload for upload in self.cleaned_data["files"] if upload]


class ImpactDecisionForm(GovukForm):
    """The SILG chair's decision on an impact check."""

    outcome = forms.ChoiceField(
        label="Is the learning embedded?",
        choices=ImpactCheck.Outcome.choices,
        widget=forms.RadioSelect,
        help_text="Not yet embedded reopens the recommendation for follow-up actions and sets "
        "a new date to check its impact.",
        error_messages={"required": "Choose whether the learning is embedded"},
    )
    decision_comment = forms.CharField(
        label="Comment",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Needed when it is not yet embedded: what still needs to change.",
    )


class RepeatsForm(GovukForm):
    """Whether a recommendation repeats the learning of an earlier one of its partnership."""

    repeats = forms.ModelChoiceField(
        label="Does this recommendation repeat earlier learning?",
        queryset=None,
        required=False,
        widget=forms.RadioSelect,
        empty_label="No, it is new learning",
        error_messages={"invalid_choice": "Choose one of the earlier recommendations listed"},
    )

    def __init__(self, *args, recommendation, suggestions, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["repeats"]
        field.queryset = Recommendation.objects.filter(
            partnership_id=recommendation.partnership_id
        ).exclude(review_id=recommendation.review_id)
        choices = [("", field.empty_label)] + [
            (earlier.pk, f"{earlier.review.title}, recommendation {earlier.number}: {earlier.text}")
            for earlier in suggestions
        ]
        if recommendation.repeats_id and recommendation.repeats not in suggestions:
            earlier = recommendation.repeats
            choices.insert(
                1, (earlier.pk, f"{earlier.review.title}, recommendation {earlier.number}")
            )
        field.choices = choices
        field.initial = recommendation.repeats_id
