from django.contrib import admin

from meetings.models import AgendaItem, Meeting, MeetingPack, MinuteEntry
from sscp.admin import ReadOnlyAdmin, TrackedAdmin


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin, TrackedAdmin):
    """A partnership's team arranges its SILG meetings in the app."""

    list_display = ["title", "partnership", "date", "minutes_confirmed_at"]
    list_filter = ["partnership"]
    search_fields = ["title"]
    list_select_related = ["partnership"]


@admin.register(AgendaItem)
class AgendaItemAdmin(ReadOnlyAdmin, TrackedAdmin):
    list_display = ["title", "meeting", "position", "kind"]
    list_filter = ["kind"]
    list_select_related = ["meeting"]


@admin.register(MeetingPack)
class MeetingPackAdmin(ReadOnlyAdmin, TrackedAdmin):
    """Kept as issued: what the meeting saw, proved by its fingerprint."""

    list_display = ["original_name", "meeting", "sha256", "issued_at"]
    list_select_related = ["meeting"]


@admin.register(MinuteEntry)
class MinuteEntryAdmin(ReadOnlyAdmin, TrackedAdmin):
    list_display = ["item_title", "meeting", "decision", "decided_at"]
    list_select_related = ["meeting"]
