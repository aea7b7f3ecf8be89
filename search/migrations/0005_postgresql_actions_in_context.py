"""On PostgreSQL: each action keeps the words it is found by in the action list, its own
with its recommendation's and its review's (context_vector), under a GIN index.

The action list's free-text filter finds an action by a word in its own text, in its
recommendation's or in its review's (actions.filters). Read from three indexes, that
was every recommendation and review with the word, gathered before a single action was
looked at: a common word read most of a partnership's reviews and grew with them. One
vector per action is one index, and the list walks its own order until a page is full.

Kept by triggers, so that no code path can leave it stale:
- before each insert or update of an action, the action's trigger (0004's, replaced
  here) draws it again when the action's own words, its recommendation or its review
  changed, or when it is missing;
- after a recommendation's or a review's words change, the vector of each of its
  actions is cleared, which makes each action's trigger draw it again from the new words.

It is for matching only: the header's search ranks actions by their own words (0004's
search_vector), as before. On SQLite, nothing: the filter asks its FTS5 tables for each
text in turn (search.engine.condition).
"""

from django.db import migrations

OWN = ("title", "description", "success_measure")


def _own_vector(row):
    return " || ".join(
        f"setweight(to_tsvector('english'::regconfig, coalesce({row}{column}, '')), '{weight}')"
        for column, weight in zip(OWN, "ABC", strict=True)
    )


# The action's own vector, then its recommendation's and its review's, as each keeps it.
CONTEXT = """{row}search_vector
    || coalesce((SELECT r.search_vector FROM reviews_recommendation r
                 WHERE r.id = {row}recommendation_id), ''::tsvector)
    || coalesce((SELECT v.search_vector FROM reviews_review v
                 WHERE v.id = {row}review_id), ''::tsvector)"""

CONTEXT_DRAWN = f"""
    IF TG_OP = 'INSERT' OR NEW.context_vector IS NULL
            OR NEW.search_vector IS DISTINCT FROM OLD.search_vector
            OR NEW.recommendation_id IS DISTINCT FROM OLD.recommendation_id
            OR NEW.review_id IS DISTINCT FROM OLD.review_id THEN
        NEW.context_vector := {CONTEXT.format(row="NEW.")};
    END IF;"""


def _action_trigger(context=""):
    """The action's trigger: 0004's, which keeps its own vector, and then `context`."""
    unchanged = " AND ".join(f"NEW.{c} IS NOT DISTINCT FROM OLD.{c}" for c in OWN)
    return f"""
CREATE OR REPLACE FUNCTION actions_action_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND {unchanged} THEN
        NEW.search_vector := OLD.search_vector;
    ELSE
        NEW.search_vector := {_own_vector("NEW.")};
    END IF;{context}
    RETURN NEW;
END $$;
"""


# (table, the column of actions_action naming its row)
CONTAINERS = [("reviews_recommendation", "recommendation_id"), ("reviews_review", "review_id")]


def _container_trigger(table, column):
    return f"""
CREATE FUNCTION {table}_actions_in_context() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE actions_action SET context_vector = NULL WHERE {column} = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER {table}_actions_in_context AFTER UPDATE ON {table}
    FOR EACH ROW WHEN (NEW.search_vector IS DISTINCT FROM OLD.search_vector)
    EXECUTE FUNCTION {table}_actions_in_context();
"""


# Filling every action's vector outlasts a request's statement timeout (30 s by default)
# from a few hundred thousand actions: `migrate` runs without one (sscp.database.migrating).
STORE = f"""
ALTER TABLE actions_action ADD COLUMN context_vector tsvector;
UPDATE actions_action a SET context_vector = {CONTEXT.format(row="a.")};
ALTER TABLE actions_action ALTER COLUMN context_vector SET NOT NULL;
{_action_trigger(CONTEXT_DRAWN)}
{"".join(_container_trigger(*container) for container in CONTAINERS)}
CREATE INDEX search_action_context ON actions_action USING gin (context_vector);
"""

# 0004's action trigger, as it was.
UNSTORE = f"""
DROP INDEX IF EXISTS search_action_context;
{"".join(f'''
DROP TRIGGER IF EXISTS {table}_actions_in_context ON {table};
DROP FUNCTION IF EXISTS {table}_actions_in_context();''' for table, _column in CONTAINERS)}
{_action_trigger()}
ALTER TABLE actions_action DROP COLUMN IF EXISTS context_vector;
"""


def store(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(STORE)


def unstore(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNSTORE)


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0004_postgresql_stored_vectors"),
        ("actions", "0027_reviews_count_their_overdue_actions"),
        ("reviews", "0017_reviews_count_their_overdue_actions"),
    ]

    operations = [migrations.RunPython(store, unstore, elidable=False)]
