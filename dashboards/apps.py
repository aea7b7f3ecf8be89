from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    """The site's pages that gather across the apps: each person's home, the navigation,
    the audit log and the timelines. The top layer: nothing below imports it."""

    name = "dashboards"
    verbose_name = "Dashboards and the record"
