"""What every page says about the service itself and the partnership it shows, needing
no database: also used by the error pages (sscp.errors), which are drawn when the
database is down."""

from django.conf import settings

SERVICE_NAME = "Review tracker"
# What the header names outside any one partnership (signing in, a person's own pages).
ORGANISATION_NAME = "Safeguarding Children Partnerships"


def service(request):
    partnership = getattr(request, "partnership", None)
    return {
        "service_name": SERVICE_NAME,
        "organisation_name": partnership.name if partnership is not None else ORGANISATION_NAME,
        "partnership": partnership,
        # The timeout warning's clock: the idle limit, and how long before it the warning opens.
        "session_seconds": settings.SESSION_COOKIE_AGE,
        "session_warning_seconds": settings.SESSION_WARNING_SECONDS,
        "session_warning_minutes": max(settings.SESSION_WARNING_SECONDS // 60, 1),
    }
