from django.contrib import admin

from actions.models import (
    Action,
    ActionTally,
    ClosedYear,
    CompletionTally,
    DueDateTally,
    Evidence,
    ExtensionRequest,
    Notice,
    ProgressUpdate,
    Reminder,
    SignOffDecision,
)
from sscp.admin import ReadOnlyAdmin, TrackedAdmin, WithdrawableAdmin

# Everything here changes only through the workflow's services (sscp.admin says why).


@admin.register(Action)
class ActionAdmin(WithdrawableAdmin, ReadOnlyAdmin, TrackedAdmin):
    list_display = ["title", "recommendation", "agency", "owner", "due_date", "status"]
    list_filter = ["status", "agency", "recommendation__review"]
    list_select_related = ["recommendation__review", "agency", "owner"]
    search_fields = ["title", "description"]


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(ReadOnlyAdmin, TrackedAdmin):
    list_display = ["action", "author", "created_at"]
    list_select_related = ["action", "author"]


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin, TrackedAdmin):
    list_display = ["original_name", "action", "uploaded_by", "uploaded_at", "withdrawn_at"]
    list_select_related = ["action", "uploaded_by"]


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(ReadOnlyAdmin, TrackedAdmin):
    list_display = ["action", "requested_due_date", "status", "requested_by", "decided_by"]
    list_filter = ["status"]
    list_select_related = ["action", "requested_by", "decided_by"]


@admin.register(SignOffDecision)
class SignOffDecisionAdmin(ReadOnlyAdmin, TrackedAdmin):
    list_display = ["action", "outcome", "decided_by", "decided_at"]
    list_filter = ["outcome"]
    list_select_related = ["action", "decided_by"]


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    """The reminders' outbox, to look into: it is written only by the sweep."""

    list_display = ["reminder_date", "kind", "recipient", "action", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind", "reminder_date"]
    list_select_related = ["recipient", "action"]


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    """The decision notices' outbox, to look into: written only by the workflow's services."""

    list_display = ["created_at", "kind", "recipient", "status", "attempts", "sent_at", "read_at"]
    list_filter = ["status", "kind"]
    list_select_related = ["recipient"]


@admin.register(ActionTally)
class ActionTallyAdmin(ReadOnlyAdmin):
    """The counts dashboards read, to look into: kept as actions change (actions.counts);
    `manage.py verify_counts` checks them against the actions."""

    list_display = ["partnership", "agency", "status", "returned", "due_month", "count"]
    list_filter = ["status", "returned"]
    list_select_related = ["partnership", "agency"]


@admin.register(DueDateTally)
class DueDateTallyAdmin(ReadOnlyAdmin):
    """Open actions by due date, which this year's annual figures read: kept as actions
    change (actions.counts); `manage.py verify_counts` checks them against the actions."""

    list_display = ["partnership", "due_date", "count"]
    list_select_related = ["partnership"]


@admin.register(CompletionTally)
class CompletionTallyAdmin(ReadOnlyAdmin):
    """Actions approved in each financial year, which the annual figures read: kept as
    approvals are recorded (actions.counts); `manage.py verify_counts` checks them."""

    list_display = ["partnership", "start_year", "on_time", "count"]
    list_filter = ["start_year", "on_time"]
    list_select_related = ["partnership"]


@admin.register(ClosedYear)
class ClosedYearAdmin(ReadOnlyAdmin):
    """A closed financial year's annual figures, stored when it closed (actions.reports)."""

    list_display = ["partnership", "start_year", "closed_at"]
    list_select_related = ["partnership"]
