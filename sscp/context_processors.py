from django.urls import reverse

SERVICE_NAME = "Review tracker"
ORGANISATION_NAME = "Southampton Safeguarding Children Partnership"

# (url name, label, url names of the pages that belong under it)
NAVIGATION = [
    ("home", "Home", {"home"}),
    (
        "review-list",
        "Reviews",
        {"review-list", "review-detail", "recommendation-detail", "action-detail"},
    ),
]


def service(request):
    current = getattr(request.resolver_match, "url_name", None)
    navigation = [
        {"url": reverse(name), "label": label, "current": current in section}
        for name, label, section in NAVIGATION
    ]
    return {
        "service_name": SERVICE_NAME,
        "organisation_name": ORGANISATION_NAME,
        "navigation": navigation,
    }
