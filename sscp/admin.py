"""
The admin is for looking into the record and for setting up a partnership, never for
going around the workflow.

Every record of the workflow (reviews, recommendations, actions and all that belongs
to them; the agencies, themes and memberships each partnership's team manages in the
app), the outboxes and the audit trail is read-only here (`ReadOnlyAdmin`): a status, a
due date, a decision or a role changes only through the services, which check who may
change it, record why, and seal the change. The operator adds partnerships here, and
looks after accounts, with history (`TrackedAdmin`); a new partnership's first team
member is invited with `manage.py invite`. Nothing is ever deleted, and no record is
put back to an earlier version from its history page.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin

from audits.models import AccessEvent, AuditRecord
from sscp.models import Agency, ClosureDay, Membership, OutgoingEmail, Partnership, User


class ReadOnlyAdmin(admin.ModelAdmin):
    """Looked into, never added, changed or deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class WithdrawableAdmin(admin.ModelAdmin):
    """A model whose rows can be withdrawn as logged in error: the admin shows them all,
    withdrawn ones included (its `every` manager), with a filter to find them."""

    def get_queryset(self, request):
        queryset = self.model.every.all()
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset

    def get_list_filter(self, request):
        return [*super().get_list_filter(request), ("withdrawn_at", admin.EmptyFieldListFilter)]


class TrackedAdmin(SimpleHistoryAdmin):
    """A tracked model: its history shown, the record kept for ever.

    simple-history's page for one version saves whatever is posted to it, whatever
    SIMPLE_HISTORY_REVERT_DISABLED says: so only reading it is allowed.
    """

    def has_delete_permission(self, request, obj=None):
        return False

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "GET":
            raise PermissionDenied("A record is never put back to an earlier version")
        return super().history_form_view(request, object_id, version_id, extra_context)


@admin.register(Partnership)
class PartnershipAdmin(TrackedAdmin):
    """The operator adds a partnership here and invites its first team member with
    `manage.py invite`; its team runs it in the app from then on."""

    list_display = ["name", "short_name", "slug", "two_factor"]
    search_fields = ["name", "short_name"]


@admin.register(Agency)
class AgencyAdmin(ReadOnlyAdmin, TrackedAdmin):
    list_display = ["name", "short_name", "sector", "is_active"]
    list_filter = ["sector", "is_active", "partnerships"]
    search_fields = ["name", "short_name"]


@admin.register(ClosureDay)
class ClosureDayAdmin(ReadOnlyAdmin, TrackedAdmin):
    """Each partnership's team keeps its closure days in the app."""

    list_display = ["date", "partnership", "reason"]
    list_filter = ["partnership"]


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin, TrackedAdmin):
    list_display = ["user", "partnership", "role", "agency", "created_at", "ended_at"]
    list_filter = ["partnership", "role"]
    list_select_related = ["user", "partnership", "agency"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin, TrackedAdmin):
    list_display = ["username", "first_name", "last_name", "email", "is_active"]
    list_filter = ["is_active", "memberships__partnership", "memberships__role"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("Personal info", {"fields": ["first_name", "last_name", "email"]}),
        ("The service's operators", {"fields": ["is_active", "is_staff", "is_superuser"]}),
        ("Important dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = DjangoUserAdmin.add_fieldsets + (
        ("Personal info", {"fields": ["email", "first_name", "last_name"]}),
    )


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(ReadOnlyAdmin):
    """The account emails' outbox, to look into: it is written only by the service."""

    list_display = ["created_at", "kind", "address", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind"]


# Roles are held in memberships, not groups or Django permissions.
admin.site.unregister(Group)


# The audit trail (a kernel below every app) is looked into here, never changed.
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
