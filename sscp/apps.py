from django.apps import AppConfig


class SscpConfig(AppConfig):
    name = "sscp"
    verbose_name = "Partnership"

    def ready(self):
        from django.contrib.auth import models as auth_models
        from django.contrib.auth.signals import user_logged_in

        from sscp.signals import record_sign_in

        # Django's own receiver saves last_login, which simple-history would record
        # as a change to the person. Ours saves it without a history row.
        user_logged_in.disconnect(auth_models.update_last_login, dispatch_uid="update_last_login")
        user_logged_in.connect(record_sign_in, dispatch_uid="sscp_record_sign_in")
