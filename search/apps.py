from django.apps import AppConfig
from django.db.models.signals import post_migrate


class SearchConfig(AppConfig):
    """One search over what a person may see: reviews, recommendations, actions and
    learning activities, ranked, by a real text engine (search.engine)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "search"

    def ready(self):
        post_migrate.connect(keep_sqlite_indexes, sender=self)


def keep_sqlite_indexes(sender, using="default", **kwargs):
    """On SQLite, make again the full-text triggers of any table a migration rebuilt
    (Django rebuilds a table to alter it there, and its triggers go with the old one),
    and refill that table's index."""
    from django.db import connections

    from search.engine import TEXTS, sqlite_index

    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    tables = set(connection.introspection.table_names())
    for text in TEXTS:
        if text.table in tables:
            sqlite_index(connection, text)
