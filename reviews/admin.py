from django.contrib import admin

from reviews.models import Recommendation, Review, Theme
from sscp.admin import ReadOnlyAdmin, TrackedAdmin


@admin.register(Theme)
class ThemeAdmin(ReadOnlyAdmin, TrackedAdmin):
    """Each partnership's team keeps its themes in the app."""

    list_display = ["name", "partnership"]
    list_filter = ["partnership"]
    search_fields = ["name"]


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin, TrackedAdmin):
    list_display = ["title", "partnership", "kind", "commissioned_on", "published_on"]
    list_filter = ["partnership", "kind"]
    search_fields = ["title", "summary"]


@admin.register(Recommendation)
class RecommendationAdmin(ReadOnlyAdmin, TrackedAdmin):
    list_display = ["__str__", "review", "number", "closed_at"]
    list_filter = ["review", "agencies"]
    list_select_related = ["review"]
    search_fields = ["text"]
