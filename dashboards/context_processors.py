"""The site's navigation, on every page."""

from django.urls import reverse

from sscp.permissions import Ability, has_ability

# (url name, label, who sees the link, url names of the pages that belong under it)
NAVIGATION = [
    ("home", "Home", Ability.READ, {"home"}),
    (
        "review-list",
        "Reviews",
        Ability.READ,
        {"review-list", "review-detail", "recommendation-detail", "action-detail"},
    ),
    ("action-list", "Actions", Ability.READ, {"action-list"}),
    ("recommendation-list", "Recommendations", Ability.READ, {"recommendation-list"}),
    ("sign-off-queue", "Awaiting sign-off", Ability.OVERSEE, {"sign-off-queue"}),
    ("annual-report", "Annual figures", Ability.OVERSEE, {"annual-report"}),
    ("audit-log", "Audit log", Ability.READ, {"audit-log"}),
]


def navigation(request):
    """The service navigation: the sections the person may open, the current one marked."""
    current = getattr(request.resolver_match, "url_name", None)
    navigation = [
        {"url": reverse(name), "label": label, "current": current in section}
        for name, label, ability, section in NAVIGATION
        if has_ability(request.user, ability)
    ]
    return {"navigation": navigation}
