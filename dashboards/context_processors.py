"""The site's navigation, on every page: the sections of the partnership a page is in, the
person's role there, the way to their other partnerships, and how many notifications they
have not read."""

from django.urls import reverse

from sscp.permissions import Ability, has_ability, membership, user_memberships

# (url name, label, who sees the link, url names of the pages that belong under it)
NAVIGATION = [
    ("home", "Home", Ability.READ, {"home", "reviews-in-progress"}),
    (
        "review-list",
        "Reviews",
        Ability.READ,
        {"review-list", "review-detail", "recommendation-detail", "action-detail"},
    ),
    ("action-list", "Actions", Ability.READ, {"action-list"}),
    ("recommendation-list", "Recommendations", Ability.READ, {"recommendation-list"}),
    (
        "learning-list",
        "Learning",
        Ability.READ,
        {"learning-list", "learning-detail", "learning-create", "learning-edit"},
    ),
    ("sign-off-queue", "Awaiting sign-off", Ability.OVERSEE, {"sign-off-queue"}),
    (
        "meeting-list",
        "SILG meetings",
        Ability.OVERSEE,
        {"meeting-list", "meeting-create", "meeting-detail", "meeting-minutes"},
    ),
    ("annual-report", "Annual figures", Ability.OVERSEE, {"annual-report", "recurring-learning"}),
    ("audit-log", "Audit log", Ability.READ, {"audit-log"}),
    (
        "people",
        "People and settings",
        Ability.MANAGE,
        {
            "people",
            "invitation-create",
            "person-detail",
            "person-edit",
            "person-remove",
            "person-second-factor-reset",
            "agency-list",
            "agency-create",
            "agency-join",
            "agency-edit",
            "theme-list",
            "theme-create",
            "theme-edit",
            "partnership-settings",
            "access-review",
        },
    ),  # fmt: skip
]


def navigation(request):
    """The service navigation: the sections of the page's partnership the person may open,
    the current one marked; their role there; and how many partnerships they belong to."""
    partnership = getattr(request, "partnership", None)
    user = request.user
    memberships = user_memberships(user) if user.is_authenticated else []
    context = {
        "navigation": [],
        "membership": None,
        "partnership_count": len(memberships),
        # Read with the person (accounts.backends): no query of its own.
        "unread_notices": getattr(user, "unread_notices", 0),
    }
    if partnership is None:
        return context
    current = getattr(request.resolver_match, "url_name", None)
    context["navigation"] = [
        {
            "url": reverse(name, args=[partnership.slug]),
            "label": label,
            "current": current in section,
        }
        for name, label, ability, section in NAVIGATION
        if has_ability(user, ability, partnership=partnership)
    ]
    context["membership"] = membership(user, partnership=partnership)
    return context
