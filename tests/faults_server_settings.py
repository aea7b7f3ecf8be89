"""Settings for the app server the fault tests start: the production settings, read
from the environment as deployed (DEBUG off), with one change. Static files are
named as in development, because no `collectstatic` has made the manifest that
production's static storage needs."""

from sscp.settings import *  # noqa: F403
from sscp.settings import STORAGES

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
