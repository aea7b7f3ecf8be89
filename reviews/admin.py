from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from actions.admin import KeptForeverAdmin
from reviews.models import Recommendation, Review, Theme


@admin.register(Theme)
class ThemeAdmin(SimpleHistoryAdmin):
    list_display = ["name"]
    search_fields = ["name"]


@admin.register(Review)
class ReviewAdmin(KeptForeverAdmin):
    list_display = ["title", "kind", "commissioned_on", "published_on"]
    list_filter = ["kind", "themes"]
    search_fields = ["title", "summary"]
    filter_horizontal = ["themes"]


@admin.register(Recommendation)
class RecommendationAdmin(KeptForeverAdmin):
    list_display = ["__str__", "review", "number", "closed_at"]
    list_filter = ["review", "agencies"]
    list_select_related = ["review"]
    search_fields = ["text"]
    filter_horizontal = ["themes", "agencies"]
