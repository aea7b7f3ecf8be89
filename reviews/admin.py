from django.contrib import admin
from django.db import models

from reviews.models import (
    ImpactCheck,
    ImpactEvidence,
    ProgressCheck,
    Recommendation,
    Review,
    Theme,
    ThemeTally,
)
from sscp.admin import ReadOnlyAdmin, TrackedAdmin, WithdrawableAdmin


@admin.register(Theme)
class ThemeAdmin(ReadOnlyAdmin, TrackedAdmin):
    """Each partnership's team keeps its themes in the app."""

    list_display = ["name", "partnership"]
    list_filter = ["partnership"]
    search_fields = ["name"]


@admin.register(Review)
class ReviewAdmin(WithdrawableAdmin, ReadOnlyAdmin, TrackedAdmin):
    list_display = ["title", "partnership", "kind", "commissioned_on", "published_on"]
    list_filter = ["partnership", "kind"]
    search_fields = ["title", "summary"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(ProgressCheck)
class ProgressCheckAdmin(ReadOnlyAdmin, TrackedAdmin):
    list_display = ["review", "checked_on", "recorded_by"]
    list_filter = ["review__partnership"]
    list_select_related = ["review", "recorded_by"]


@admin.register(Recommendation)
class RecommendationAdmin(WithdrawableAdmin, ReadOnlyAdmin, TrackedAdmin):
    list_display = ["__str__", "review", "number", "closed_at"]
    list_filter = ["review", "agencies"]
    list_select_related = ["review"]
    search_fields = ["text"]


@admin.register(ImpactCheck)
class ImpactCheckAdmin(ReadOnlyAdmin, TrackedAdmin):
    list_display = ["recommendation", "method", "outcome", "recorded_at"]
    list_filter = ["partnership", "method", "outcome"]
    list_select_related = ["recommendation__review"]


@admin.register(ImpactEvidence)
class ImpactEvidenceAdmin(ReadOnlyAdmin, TrackedAdmin):
    list_display = ["original_name", "impact_check", "uploaded_by", "uploaded_at"]
    list_filter = ["partnership"]
    list_select_related = ["impact_check__recommendation__review", "uploaded_by"]


@admin.register(ThemeTally)
class ThemeTallyAdmin(ReadOnlyAdmin):
    """Reviews by theme and year, which recurring learning reads: kept as themes are set
    and reviews change (actions.counts); `manage.py verify_counts` checks them."""

    list_display = ["partnership", "theme", "start_year", "count"]
    list_filter = ["start_year"]
    list_select_related = ["partnership", "theme"]
