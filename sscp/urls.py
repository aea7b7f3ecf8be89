"""
The site's addresses. A partnership's pages are under its short address,
`/<partnership>/…` (each app's urls.py wraps them in sscp.permissions.in_partnership,
which enters the partnership or refuses); a person's own pages under `/account/…`; the
service's own at the top.
"""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import URLResolver, get_resolver, include, path

from sscp import accounts, errors

PARTNERSHIP = "<slug:partnership>/"

urlpatterns = [
    path("healthz", errors.healthz, name="healthz"),
    path("sign-in/", accounts.SignInView.as_view(), name="login"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    # Sent through the outbox (sscp.outbox), never while the request waits.
    path("password-reset/", accounts.password_reset, name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        accounts.NewPasswordView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("admin/", admin.site.urls),
    path("account/", include("accounts.urls")),
    path("", include("actions.personal_urls")),
    path("", include("partnerships.public_urls")),
    path("", include("dashboards.site_urls")),
    path(
        PARTNERSHIP,
        include(
            [
                path("", include("dashboards.urls")),
                path("", include("reviews.urls")),
                path("", include("actions.urls")),
                path("", include("partnerships.urls")),
                path("", include("learning.urls")),
                path("", include("meetings.urls")),
                path("", include("search.urls")),
            ]
        ),
    ),
]

admin.site.site_header = "SSCP review tracker administration"
admin.site.site_title = "SSCP review tracker"

handler500 = "sscp.errors.server_error"


def partnership_page_names() -> set[str]:
    """The names of every page under a partnership's address (for tests and tools)."""

    def names(resolver):
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                yield from names(pattern)
            elif pattern.name:
                yield pattern.name

    partnership = next(p for p in get_resolver().url_patterns if str(p.pattern) == PARTNERSHIP)
    return set(names(partnership))
