"""Learning activities (title, description) join the search: on SQLite an FTS5 table
kept by triggers, on PostgreSQL a GIN index on the very vector search.engine builds."""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

from search.engine import Text, sqlite_index, sqlite_unindex

# As it was when this migration was written.
TEXT = Text("learning_learningactivity", ("title", "description"))
INDEX = "search_learning_text"


def _index():
    vector = SearchVector("title", config="english", weight="A") + SearchVector(
        "description", config="english", weight="B"
    )
    return GinIndex(vector, name=INDEX)


def index(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "sqlite":
        sqlite_index(connection, TEXT, rebuild=True)
    elif connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("learning", "LearningActivity"), _index())


def unindex(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "sqlite":
        sqlite_unindex(connection, TEXT)
    elif connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("learning", "LearningActivity"), _index())


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0002_postgresql_gin_indexes"),
        ("learning", "0001_initial"),
    ]

    operations = [migrations.RunPython(index, unindex, elidable=False)]
