"""What every page says about the service itself, needing no database: also used by the
error pages (sscp.errors), which are drawn when the database is down."""

SERVICE_NAME = "Review tracker"
ORGANISATION_NAME = "Southampton Safeguarding Children Partnership"


def service(request):
    return {"service_name": SERVICE_NAME, "organisation_name": ORGANISATION_NAME}
