from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    """Tools for developers, beside the product: the demo data, the load generator and
    the benchmark. No module of the product imports this app (make lint holds it)."""

    name = "devtools"
    verbose_name = "Developer tools"
