import datetime

from django import forms
from django.utils import timezone

from reviews import import_files
from reviews.models import Review, Theme
from sscp.forms import CONFIRM_FIELD, GovukDateField, GovukForm, confirm_field
from sscp.models import Agency, Partnership

EARLIEST = datetime.date(1990, 1, 1)


class ReviewForm(GovukForm):
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
    """Saving a previewed import. Its warnings (due dates in the past) are confirmed with
    the same box as on the action form, shown with the preview; importing without
    ticking it is refused, and nothing is saved."""

    def __init__(self, *args, warnings: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.import_warnings = warnings
        if warnings:
            self.fields[CONFIRM_FIELD] = confirm_field(warnings)

    def warnings(self):
        return self.import_warnings
