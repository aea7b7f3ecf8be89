from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from sscp import accounts, errors

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
    path("", include("reviews.urls")),
    path("", include("actions.urls")),
    path("", include("dashboards.urls")),
    path("admin/", admin.site.urls),
]

admin.site.site_header = "SSCP review tracker administration"
admin.site.site_title = "SSCP review tracker"

handler500 = "sscp.errors.server_error"
