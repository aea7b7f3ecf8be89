from django.apps import AppConfig


class SscpConfig(AppConfig):
    name = "sscp"
    verbose_name = "Partnership"

    def ready(self):
        from sscp.celery import make_broker_folders

        make_broker_folders()
        from axes.signals import user_locked_out
        from django.contrib.auth import models as auth_models
        from django.contrib.auth.signals import user_logged_in, user_login_failed
        from django.db.models.signals import post_migrate, pre_migrate

        from sscp.database import migrated, migrating
        from sscp.signals import record_lockout, record_sign_in, record_sign_in_failure

        # Django's own receiver saves last_login, which simple-history would record
        # as a change to the person. Ours saves it without a history row.
        user_logged_in.disconnect(auth_models.update_last_login, dispatch_uid="update_last_login")
        user_logged_in.connect(record_sign_in, dispatch_uid="sscp_record_sign_in")
        # Refused sign-ins go on the sealed record (bounded: sscp.security.record_refusal).
        user_login_failed.connect(record_sign_in_failure, dispatch_uid="sscp_sign_in_failed")
        user_locked_out.connect(record_lockout, dispatch_uid="sscp_locked_out")
        pre_migrate.connect(migrating, sender=self, dispatch_uid="sscp_migrating")
        post_migrate.connect(migrated, sender=self, dispatch_uid="sscp_migrated")
