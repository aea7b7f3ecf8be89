from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from actions.models import (
    Action,
    Evidence,
    ExtensionRequest,
    ProgressUpdate,
    Reminder,
    SignOffDecision,
)


class KeptForeverAdmin(SimpleHistoryAdmin):
    """Nothing on the record is deleted, from the admin or anywhere else."""

    def has_delete_permission(self, request, obj=None):
        return False


class AppendOnlyAdmin(KeptForeverAdmin):
    """Written once by the app, then only read."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Action)
class ActionAdmin(KeptForeverAdmin):
    list_display = ["title", "recommendation", "agency", "owner", "due_date", "status"]
    list_filter = ["status", "agency", "recommendation__review"]
    list_select_related = ["recommendation__review", "agency", "owner"]
    search_fields = ["title", "description"]
    raw_id_fields = ["recommendation", "owner", "completed_by"]


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(AppendOnlyAdmin):
    list_display = ["action", "author", "created_at"]
    list_select_related = ["action", "author"]
    raw_id_fields = ["action", "author"]


@admin.register(Evidence)
class EvidenceAdmin(AppendOnlyAdmin):
    list_display = ["original_name", "action", "uploaded_by", "uploaded_at", "withdrawn_at"]
    list_select_related = ["action", "uploaded_by"]
    raw_id_fields = ["action", "uploaded_by", "withdrawn_by"]


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(AppendOnlyAdmin):
    list_display = ["action", "requested_due_date", "status", "requested_by", "decided_by"]
    list_filter = ["status"]
    list_select_related = ["action", "requested_by", "decided_by"]
    raw_id_fields = ["action", "requested_by", "decided_by"]


@admin.register(SignOffDecision)
class SignOffDecisionAdmin(AppendOnlyAdmin):
    list_display = ["action", "outcome", "decided_by", "decided_at"]
    list_filter = ["outcome"]
    list_select_related = ["action", "decided_by"]
    raw_id_fields = ["action", "decided_by"]


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    """The outbox, to look into: it is written only by the sweep."""

    list_display = ["reminder_date", "kind", "recipient", "action", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind", "reminder_date"]
    list_select_related = ["recipient", "action"]
    raw_id_fields = ["recipient", "action"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
