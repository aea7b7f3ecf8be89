from django.contrib import admin

from audits.models import AccessEvent, AuditRecord
from sscp.admin import ReadOnlyAdmin


@admin.register(AccessEvent)
class AccessEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "kind", "user", "method", "path", "status_code", "ip_address"]
    list_filter = ["kind", "status_code"]
    list_select_related = ["user"]
    search_fields = ["path", "detail", "user__username"]


@admin.register(AuditRecord)
class AuditRecordAdmin(ReadOnlyAdmin):
    list_display = ["seq", "at", "user", "record_type", "change", "description"]
    list_filter = ["record_type", "change"]
    list_select_related = ["user"]
    search_fields = ["description", "reason"]
