"""On PostgreSQL only: a GIN index on each text's search vector, the very expression
search.engine.vector() builds (each column weighted A, B, C in order), so that a
search at 100,000 actions reads an index. On SQLite, nothing: 0001 indexes it."""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

# (app, model, index name, columns in order), as they were when this migration was written.
INDEXES = [
    ("actions", "Action", "search_action_text", ("title", "description", "success_measure")),
    ("reviews", "Recommendation", "search_recommendation_text", ("text",)),
    ("reviews", "Review", "search_review_text", ("title", "summary")),
]


def _index(name, columns):
    vectors = [
        SearchVector(column, config="english", weight=weight)
        for column, weight in zip(columns, "ABCD")
    ]
    combined = vectors[0]
    for vector in vectors[1:]:
        combined = combined + vector
    return GinIndex(combined, name=name)


def add_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for app, model, name, columns in INDEXES:
            schema_editor.add_index(apps.get_model(app, model), _index(name, columns))


def remove_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for app, model, name, columns in INDEXES:
            schema_editor.remove_index(apps.get_model(app, model), _index(name, columns))


class Migration(migrations.Migration):
    dependencies = [("search", "0001_sqlite_full_text")]

    operations = [migrations.RunPython(add_indexes, remove_indexes, elidable=False)]
