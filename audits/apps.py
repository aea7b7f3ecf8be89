from django.apps import AppConfig


class AuditsConfig(AppConfig):
    name = "audits"
    verbose_name = "Audit trail"

    def ready(self):
        from simple_history.signals import post_create_historical_record

        from audits.sealing import seal_history_row

        def seal(sender, history_instance, **kwargs):
            seal_history_row(history_instance)

        post_create_historical_record.connect(seal, weak=False, dispatch_uid="audits_seal_history")
