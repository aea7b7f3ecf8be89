"""On PostgreSQL: each text's search vector kept in a column of its own table
(search_vector), and the GIN index on that column instead of on the expression.

An index on the expression (0002, 0003) finds rows without parsing them, but every row
it finds is parsed again to check it and to rank it: a word in most of 80,000 actions
parsed 80,000 texts, and the action list's filter timed out. The stored vector is read,
not parsed. It is kept by a trigger before each insert, and before each update that
changes one of the text's columns, so no code path can leave it stale; a trigger, not a
generated column, so that the columns it reads can still be altered by later migrations.

search.engine.vector() reads this column; the expression it stores is the one
search.engine built (each column weighted A, B, C in order, the "english" configuration).
On SQLite, nothing: its FTS5 tables (0001) are kept by triggers already.
"""

from django.db import migrations

# (table, old expression index, columns in order), as they were when this was written.
TEXTS = [
    ("actions_action", "search_action_text", ("title", "description", "success_measure")),
    ("reviews_recommendation", "search_recommendation_text", ("text",)),
    ("reviews_review", "search_review_text", ("title", "summary")),
    ("learning_learningactivity", "search_learning_text", ("title", "description")),
]


def _vector(columns, row=""):
    return " || ".join(
        f"setweight(to_tsvector('english'::regconfig, coalesce({row}{column}, '')), '{weight}')"
        for column, weight in zip(columns, "ABCD")
    )


def _store(table, index, columns):
    unchanged = " AND ".join(f"NEW.{c} IS NOT DISTINCT FROM OLD.{c}" for c in columns)
    return f"""
ALTER TABLE {table} ADD COLUMN search_vector tsvector;
UPDATE {table} SET search_vector = {_vector(columns)};
ALTER TABLE {table} ALTER COLUMN search_vector SET NOT NULL;
CREATE FUNCTION {table}_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND {unchanged} THEN
        NEW.search_vector := OLD.search_vector;
    ELSE
        NEW.search_vector := {_vector(columns, "NEW.")};
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER {table}_search_vector BEFORE INSERT OR UPDATE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {table}_search_vector();
DROP INDEX IF EXISTS {index};
CREATE INDEX {index} ON {table} USING gin (search_vector);
"""


def _unstore(table, index, columns):
    return f"""
DROP INDEX IF EXISTS {index};
DROP TRIGGER IF EXISTS {table}_search_vector ON {table};
DROP FUNCTION IF EXISTS {table}_search_vector();
ALTER TABLE {table} DROP COLUMN IF EXISTS search_vector;
CREATE INDEX {index} ON {table} USING gin (({_vector(columns)}));
"""


def store(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for text in TEXTS:
            schema_editor.execute(_store(*text))


def unstore(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for text in TEXTS:
            schema_editor.execute(_unstore(*text))


class Migration(migrations.Migration):
    dependencies = [("search", "0003_learning_activities")]

    operations = [migrations.RunPython(store, unstore, elidable=False)]
