from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """A person's own account: their name, email address and password, and their second
    factor for signing in."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"

    def ready(self):
        from django.contrib import admin
        from django.contrib.auth.signals import user_logged_in
        from django_otp.plugins.otp_static.models import StaticDevice
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from accounts import emails  # noqa: F401  (registers the outbox's builder)
        from accounts.middleware import remember_second_factor

        user_logged_in.connect(remember_second_factor, dispatch_uid="accounts_second_factor")
        # django-otp's own admin pages would show a person's secret key and remove their
        # second factor off the record: a reset is the partnership team's, on the record
        # (accounts.services.second_factor_reset).
        for model in (TOTPDevice, StaticDevice):
            if admin.site.is_registered(model):
                admin.site.unregister(model)
