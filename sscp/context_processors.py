"""What every page says about the service itself and the partnership it shows, needing
no database: also used by the error pages (sscp.errors), which are drawn when the
database is down."""

SERVICE_NAME = "Review tracker"
# What the header names outside any one partnership (signing in, a person's own pages).
ORGANISATION_NAME = "Safeguarding Children Partnerships"


def service(request):
    partnership = getattr(request, "partnership", None)
    return {
        "service_name": SERVICE_NAME,
        "organisation_name": partnership.name if partnership is not None else ORGANISATION_NAME,
        "partnership": partnership,
    }
