from django.contrib import admin

from learning.models import LearningActivity
from sscp.admin import ReadOnlyAdmin, TrackedAdmin


@admin.register(LearningActivity)
class LearningActivityAdmin(ReadOnlyAdmin, TrackedAdmin):
    """A partnership's team records its learning activities in the app."""

    list_display = ["title", "partnership", "kind", "held_on", "attended", "average_score"]
    list_filter = ["partnership", "kind"]
    search_fields = ["title", "description"]
    list_select_related = ["partnership"]
