from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from simple_history.admin import SimpleHistoryAdmin

from sscp.models import Agency, User


@admin.register(Agency)
class AgencyAdmin(SimpleHistoryAdmin):
    list_display = ["name", "short_name", "sector", "is_active"]
    list_filter = ["sector", "is_active"]
    search_fields = ["name", "short_name"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin, SimpleHistoryAdmin):
    list_display = ["username", "first_name", "last_name", "email", "agency", "is_active"]
    list_filter = ["groups", "agency", "is_active"]
    list_select_related = ["agency"]
    fieldsets = DjangoUserAdmin.fieldsets + (("Partnership", {"fields": ["agency"]}),)
    add_fieldsets = DjangoUserAdmin.add_fieldsets + (
        ("Partnership", {"fields": ["email", "first_name", "last_name", "agency", "groups"]}),
    )
