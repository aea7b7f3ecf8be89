from django.contrib import admin

from reviews.models import Recommendation, Review, Theme
from sscp.admin import ReadOnlyAdmin, TrackedAdmin


@admin.register(Theme)
class ThemeAdmin(TrackedAdmin):
    """Themes are set up here (with history); a review's themes change only in the app."""

    list_display = ["name"]
    search_fields = ["name"]


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin, TrackedAdmin):
    list_display = ["title", "kind", "commissioned_on", "published_on"]
    list_filter = ["kind", "themes"]
    search_fields = ["title", "summary"]


@admin.register(Recommendation)
class RecommendationAdmin(ReadOnlyAdmin, TrackedAdmin):
    list_display = ["__str__", "review", "number", "closed_at"]
    list_filter = ["review", "agencies"]
    list_select_related = ["review"]
    search_fields = ["text"]
