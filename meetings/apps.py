from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    """The SILG's meetings: an agenda of what awaits the SILG chair, its pack issued as a
    PDF whose fingerprint proves later what the meeting saw, and the minutes of what was
    decided on each item."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "meetings"
