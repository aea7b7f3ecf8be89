import logging
import os
from pathlib import Path

from celery import Celery
from celery.signals import setup_logging, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sscp.settings")

app = Celery("sscp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def log_as_the_web_process_does(loglevel=None, **kwargs):
    """The worker and beat log through settings.LOGGING, as the web process does: each
    message on one line, control characters escaped (sscp.logs.OneLineFilter), to the
    console. With no receiver for this signal, Celery would replace the root logger's
    handlers with its own, which have no such filter, and a task's log line could be
    forged. `--loglevel` is still obeyed."""
    from django.conf import settings
    from django.utils.log import configure_logging

    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
    if loglevel:
        logging.getLogger().setLevel(loglevel)


@worker_init.connect
def restrict_database_connections(**kwargs):
    """A worker's database connections read no partnership's records unless a task says
    why it must (sscp.database.every_partnership)."""
    from sscp import database

    database.restrict_worker_connections()


def make_broker_folders():
    """kombu's filesystem broker (no REDIS_URL) needs its folders before the first task is
    sent or read: made when the app starts (sscp.apps), not when settings are read."""
    options = app.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)
