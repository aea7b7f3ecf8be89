"""The list of recommendations' filters, kept in the URL."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone

from reviews import selectors as review_selectors
from reviews.models import Recommendation, Review
from search.engine import (
    FOUND_BY_ID,
    RECOMMENDATIONS,
    REVIEWS,
    condition,
    found,
    has_words,
    matches,
    words_in,
)
from sscp.filters import ChosenRecordFilter, GovukFilterSet, StableOrderingFilter
from sscp.models import Agency


class RecommendationState:
    OPEN, READY, CLOSED = "open", "ready", "closed"
    IMPACT_DUE, AWAITING, EMBEDDED = "impact_due", "awaiting_confirmation", "embedded"
    CHOICES = [
        (OPEN, "Open"),
        (READY, "Ready to close"),
        (CLOSED, "Closed"),
        (IMPACT_DUE, "Impact check due"),
        (AWAITING, "Impact awaiting confirmation"),
        (EMBEDDED, "Embedded"),
    ]


class RecommendationFilter(GovukFilterSet):
    q = django_filters.CharFilter(
        method="search",
        label="Search",
        help_text="Words in the recommendation or review",
        validators=[has_words],
    )
    review = ChosenRecordFilter(
        label="Review",
        queryset=Review.objects.all(),
        hint="Untick to see every review's recommendations.",
    )
    review_kind = django_filters.ChoiceFilter(
        field_name="review__kind",
        label="Kind of review",
        choices=Review.Kind.choices,
        empty_label="Any kind",
    )
    agency = django_filters.ModelChoiceFilter(
        field_name="agencies",
        label="Owning agency",
        queryset=Agency.objects.all(),
        empty_label="Any agency",
    )
    theme = django_filters.ChoiceFilter(
        label="Theme", choices=[], method="filter_theme", empty_label="Any theme"
    )
    state = django_filters.ChoiceFilter(
        label="Status",
        choices=RecommendationState.CHOICES,
        method="filter_state",
        empty_label="Any status",
    )
    sort = StableOrderingFilter(
        fields=(("review__title", "review"), ("number", "number"), ("closed_at", "closed")),
        widget=forms.HiddenInput,
    )

    class Meta:
        model = Recommendation
        fields = []

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["review"].queryset = scope.filter(Review.objects.all())
        self.filters["agency"].queryset = Agency.objects.filter(
            partnerships__in=scope.ids
        ).distinct()
        names = review_selectors.theme_names(scope)
        self.filters["theme"].extra["choices"] = [(name, name) for name in names]

    def search(self, queryset, name, value):
        """Every word in the recommendation or in its review's title or summary, found as
        the search in the header finds it: a word in few of both read by id, as the action
        list reads its search (search.engine.found), a word in more row by row."""
        words = words_in(value).one_by_one()
        searches = [(text, word) for word in words for text in (RECOMMENDATIONS, REVIEWS)]
        answers = found(searches, FOUND_BY_ID, using=queryset.db)
        for word, own, of_reviews in zip(words, answers[::2], answers[1::2], strict=True):
            if own is not None and of_reviews is not None:
                queryset = queryset.filter(Q(pk__in=own) | Q(review__in=of_reviews))
            else:
                queryset = queryset.filter(
                    Q(condition(RECOMMENDATIONS, word, using=queryset.db))
                    | Q(review__in=matches(Review.objects.all(), REVIEWS, word))
                )
        return queryset

    def filter_theme(self, queryset, name, value):
        return queryset.filter(
            review_selectors.with_theme(value, recommendation="pk", review="review")
        )

    def filter_state(self, queryset, name, value):
        if value == RecommendationState.EMBEDDED:
            return queryset.filter(embedded_at__isnull=False)
        if value == RecommendationState.AWAITING:
            return queryset.filter(impact_awaiting_decision=True)
        if value == RecommendationState.IMPACT_DUE:
            return queryset.filter(
                closed_at__isnull=False,
                embedded_at__isnull=True,
                impact_check_due_on__lte=timezone.localdate(),
                impact_awaiting_decision=False,
            )
        if value == RecommendationState.CLOSED:
            return queryset.filter(closed_at__isnull=False)
        if value == RecommendationState.READY:
            return review_selectors.ready_to_close(queryset)
        return queryset.filter(closed_at__isnull=True)
