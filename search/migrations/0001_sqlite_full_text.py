"""On SQLite only: FTS5 tables over the texts searched, with external content (the
apps' own tables) kept by triggers (search.engine). On PostgreSQL, nothing: 0002
makes its indexes. search.apps makes the triggers again after any later migration
that rebuilds one of these tables on SQLite, which drops its triggers."""

from django.db import migrations

from search.engine import Text, sqlite_index, sqlite_unindex

# As they were when this migration was written.
TEXTS = [
    Text("actions_action", ("title", "description", "success_measure")),
    Text("reviews_recommendation", ("text",)),
    Text("reviews_review", ("title", "summary")),
]


def index(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for text in TEXTS:
            sqlite_index(schema_editor.connection, text, rebuild=True)


def unindex(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for text in TEXTS:
            sqlite_unindex(schema_editor.connection, text)


class Migration(migrations.Migration):
    dependencies = [
        ("actions", "0012_reminders_about_reviews"),
        ("reviews", "0006_progress_checks_row_level_security"),
    ]

    operations = [migrations.RunPython(index, unindex, elidable=False)]
