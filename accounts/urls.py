from django.urls import path

from accounts import views
from sscp.permissions import own_pages

# A person's own account: under /account/ (sscp.urls).
urlpatterns = own_pages(
    [
        path("", views.account, name="account"),
        path("session/", views.session_keep, name="session-keep"),
        path("name/", views.account_name, name="account-name"),
        path("email/", views.account_email, name="account-email"),
        path(
            "email/confirm/<str:token>/",
            views.account_email_confirm,
            name="account-email-confirm",
        ),
        path("password/", views.account_password, name="account-password"),
        path("two-factor/set-up/", views.two_factor_setup, name="two-factor-setup"),
        # Also the second step of signing in, before the person is signed in.
        path("two-factor/code/", views.two_factor_verify, name="two-factor-verify"),
        path(
            "two-factor/recovery-codes/",
            views.two_factor_recovery_codes,
            name="two-factor-recovery-codes",
        ),
    ]
)
