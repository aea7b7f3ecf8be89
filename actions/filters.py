import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from actions.models import Action, Rag
from reviews.filters import recommendation_has
from reviews.models import Recommendation, Review, Theme
from sscp.filters import (
    ChosenRecordFilter,
    GovukDateFilter,
    GovukFilterSet,
    StableOrderingFilter,
    record_id,
)
from sscp.models import Agency
from sscp.permissions import agency_leads


class ActionFilter(GovukFilterSet):
    """The list of actions' filters, kept in the URL: a view can be bookmarked and shared."""

    q = django_filters.CharFilter(
        method="search", label="Search", help_text="Words in the action, recommendation or review"
    )
    review = ChosenRecordFilter(
        field_name="recommendation__review",
        label="Review",
        queryset=Review.objects.all(),
        hint="Untick to see every review's actions.",
    )
    review_kind = django_filters.ChoiceFilter(
        field_name="recommendation__review__kind",
        label="Kind of review",
        choices=Review.Kind.choices,
        empty_label="Any kind",
    )
    agency = django_filters.ModelChoiceFilter(
        queryset=Agency.objects.all(),
        empty_label="Any agency",
        help_text="Choose an agency and apply to filter by one of its people.",
    )
    status = django_filters.MultipleChoiceFilter(
        choices=Action.Status.choices, widget=forms.CheckboxSelectMultiple, distinct=False
    )
    rag = django_filters.ChoiceFilter(
        label="Rating", choices=Rag.choices, method="filter_rag", empty_label="Any rating"
    )
    theme = django_filters.ModelChoiceFilter(
        label="Theme", queryset=Theme.objects.all(), method="filter_theme", empty_label="Any theme"
    )
    owner = ChosenRecordFilter(
        label="Owner",
        queryset=agency_leads().select_related("agency"),
        empty_label="Anyone",
        hint="Untick to see everyone's actions.",
    )
    due_after = GovukDateFilter(field_name="due_date", lookup_expr="gte", label="Due on or after")
    due_before = GovukDateFilter(field_name="due_date", lookup_expr="lte", label="Due on or before")
    overdue = django_filters.BooleanFilter(
        label="Overdue only", method="filter_overdue", widget=forms.CheckboxInput
    )
    returned = django_filters.BooleanFilter(
        label="Returned by the SILG chair only",
        method="filter_returned",
        widget=forms.CheckboxInput,
    )
    sort = StableOrderingFilter(
        fields=(
            ("due_date", "due"),
            ("title", "title"),
            ("recommendation__review__title", "review"),
            ("agency__short_name", "agency"),
            ("status", "status"),
        ),
        widget=forms.HiddenInput,
    )

    class Meta:
        model = Action
        fields = []

    def tailor_form(self, form):
        """The owner is chosen from the leads of the agency chosen: a short list at any scale."""
        super().tailor_form(form)
        owner = form.fields["owner"]
        agency_id = record_id(form.data.get("agency", ""), Agency)
        if agency_id is not None:
            owner.widget = forms.Select(attrs={"class": "govuk-!-width-full"})
            owner.queryset = owner.queryset.filter(agency_id=agency_id)  # sets the choices too
            owner.label, owner.help_text = "Owner", ""
        owner.label_from_instance = lambda user: f"{user} ({user.agency.short_name})"

    def search(self, queryset, name, value):
        words = Q()
        for word in value.split()[:10]:
            # The recommendations a word is in, found once, rather than the word matched
            # against every action's joined recommendation and review: half the time at
            # 100,000 actions.
            in_recommendation = Recommendation.objects.filter(recommendation_has(word))
            words &= (
                Q(title__icontains=word)
                | Q(description__icontains=word)
                | Q(recommendation__in=in_recommendation)
            )
        return queryset.filter(words)

    def filter_rag(self, queryset, name, value):
        return queryset.filter_rag(value, timezone.localdate())

    def filter_theme(self, queryset, name, value):
        # Exists rather than joins: no duplicate rows, so no DISTINCT over every column.
        return queryset.filter(
            Exists(
                Recommendation.themes.through.objects.filter(
                    recommendation=OuterRef("recommendation"), theme=value
                )
            )
            | Exists(
                Review.themes.through.objects.filter(
                    review=OuterRef("recommendation__review"), theme=value
                )
            )
        )

    def filter_overdue(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(status__in=Action.OPEN_STATUSES, due_date__lt=timezone.localdate())

    def filter_returned(self, queryset, name, value):
        return queryset.returned() if value else queryset
