import functools

import django_filters
from django import forms
from django.utils import timezone

from actions.models import Action, Rag
from reviews import selectors as review_selectors
from reviews.models import Review
from search.engine import (
    ACTIONS_IN_CONTEXT,
    FOUND_BY_ID,
    condition,
    found,
    has_words,
    words_in,
)
from sscp.filters import (
    ChosenRecordFilter,
    GovukDateFilter,
    GovukFilterSet,
    StableOrderingFilter,
    record_id,
)
from sscp.models import Agency, User
from sscp.permissions import agency_leads, lead_agencies


class ActionFilter(GovukFilterSet):
    """The list of actions' filters, kept in the URL: a view can be bookmarked and shared."""

    q = django_filters.CharFilter(
        method="search",
        label="Search",
        help_text="Words in the action, recommendation or review",
        validators=[has_words],
    )
    review = ChosenRecordFilter(
        field_name="review",
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
    agency = django_filters.ChoiceFilter(
        field_name="agency",
        label="Agency",
        choices=[],  # the agencies of the partnerships in scope: __init__
        empty_label="Any agency",
        help_text="Choose an agency and apply to filter by one of its people.",
    )
    status = django_filters.MultipleChoiceFilter(
        choices=Action.Status.choices, widget=forms.CheckboxSelectMultiple, distinct=False
    )
    rag = django_filters.ChoiceFilter(
        label="Rating", choices=Rag.choices, method="filter_rag", empty_label="Any rating"
    )
    theme = django_filters.ChoiceFilter(
        label="Theme", choices=[], method="filter_theme", empty_label="Any theme"
    )
    owner = ChosenRecordFilter(
        label="Owner",
        queryset=User.objects.none(),  # the leads of the partnerships in scope: __init__
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

    def __init__(self, *args, scope, **kwargs):
        self.scope = scope
        super().__init__(*args, **kwargs)
        self.filters["review"].queryset = scope.filter(Review.objects.all())
        # Plain pairs, read once: across 420 partnerships a lead is offered 1,606 agencies.
        agencies = Agency.objects.filter(partnerships__in=scope.ids).distinct()
        self.filters["agency"].extra["choices"] = list(agencies.values_list("pk", "name"))
        names = review_selectors.theme_names(scope)
        self.filters["theme"].extra["choices"] = [(name, name) for name in names]
        self.filters["owner"].queryset = agency_leads(scope.ids)

    def tailor_form(self, form):
        """The owner is chosen from the leads of the agency chosen: a short list at any scale."""
        super().tailor_form(form)
        owner = form.fields["owner"]
        agency_id = record_id(form.data.get("agency", ""), Agency)
        agencies = None if agency_id is None else [agency_id]
        # Read only if a choice of owners is drawn; then once, for the choices and their labels.
        leads = functools.cache(lambda: lead_agencies(self.scope.ids, agencies))
        if agency_id is not None:
            owner.widget = forms.Select(attrs={"class": "govuk-!-width-full"})
            owner.queryset = User.objects.filter(pk__in=list(leads()))  # sets the choices too
            owner.label, owner.help_text = "Owner", ""
        owner.label_from_instance = lambda user: (
            f"{user} ({', '.join(leads().get(user.pk, {}).values())})"
        )

    def search(self, queryset, name, value):
        """Every word in the action's title, description or success measure, in its
        recommendation or in its review, found as the search in the header finds it."""
        words = words_in(value)
        if not words:
            return queryset
        [ids] = found([(ACTIONS_IN_CONTEXT, words)], FOUND_BY_ID, using=queryset.db)
        if ids is not None:
            return queryset.filter(pk__in=ids)
        return queryset.filter(condition(ACTIONS_IN_CONTEXT, words, using=queryset.db))

    def filter_rag(self, queryset, name, value):
        return queryset.filter_rag(value, timezone.localdate())

    def filter_theme(self, queryset, name, value):
        return queryset.filter(
            review_selectors.with_theme(value, recommendation="recommendation", review="review")
        )

    def filter_overdue(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(status__in=Action.OPEN_STATUSES, due_date__lt=timezone.localdate())

    def filter_returned(self, queryset, name, value):
        return queryset.returned() if value else queryset
