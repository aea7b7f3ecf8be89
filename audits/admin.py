from django.contrib import admin

from audits.models import AccessEvent, AuditRecord


class ReadOnlyAdmin(admin.ModelAdmin):
    """The audit trail can be looked into from the admin, never changed."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccessEvent)
class AccessEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "kind", "user", "method", "path", "status_code"]
    list_filter = ["kind", "status_code"]
    list_select_related = ["user"]
    search_fields = ["path", "detail", "user__username"]


@admin.register(AuditRecord)
class AuditRecordAdmin(ReadOnlyAdmin):
    list_display = ["seq", "at", "user", "record_type", "change", "description"]
    list_filter = ["record_type", "change"]
    list_select_related = ["user"]
    search_fields = ["description", "reason"]
