from django.contrib import admin

from audits.models import AccessEvent


@admin.register(AccessEvent)
class AccessEventAdmin(admin.ModelAdmin):
    list_display = ["at", "kind", "user", "method", "path", "status_code"]
    list_filter = ["kind", "status_code"]
    list_select_related = ["user"]
    search_fields = ["path", "detail", "user__username"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
