from django.apps import AppConfig


class PartnershipsConfig(AppConfig):
    """Running a partnership: its people (invitations, roles, leavers, access review), the
    agencies that serve it, its themes and its settings, by its partnership team."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "partnerships"

    def ready(self):
        from partnerships import emails  # noqa: F401 (registers the invitation's builder)
