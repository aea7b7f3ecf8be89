"""On PostgreSQL: sscp_search_found (0006) asks how common the words are before it finds
their rows, and finds few and many each their own way.

In 0006 the words, the policies and the limit (`most` + 1) were one query, planned
together. For a word it guesses common (any prefix is guessed at 2% of rows while a
column's statistics hold under 100 common words), the planner expected the limit's rows
soon and walked the table: at 300,000 actions the header's search for a word in none read
every action (230 ms). Planned without the limit, as a common table expression (planned on
its own), the words are found through the GIN index; but a word in most rows then builds a
bitmap of them all (147,194 for two common words, 93 ms), and a word common elsewhere but
in a small partnership read every other partnership's rows with it (359 ms at 100,000).

So the function asks the planner how many rows of the whole table it expects to have the
words (EXPLAIN, which reads no row: hence VOLATILE): under 5%, every row with them through
the index, then the policies; more, the walk with the limit, which stops soon.
"""

import importlib

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION sscp_search_found(
    tbl regclass, vector_column text, query tsquery, most integer)
RETURNS bigint[] LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public AS $$
DECLARE
    policies text;
    plan json;
    total float8;
    found bigint[];
BEGIN
    IF current_setting('role') <> 'none'
            AND (SELECT relrowsecurity FROM pg_class WHERE oid = tbl) THEN
        SELECT coalesce(string_agg(format('(%s)', pg_get_expr(p.polqual, p.polrelid)), ' OR '),
                        'false')
        INTO policies
        FROM pg_policy p
        WHERE p.polrelid = tbl AND p.polpermissive AND p.polcmd IN ('r', '*')
            AND (p.polroles = '{0}' OR EXISTS (
                SELECT 1 FROM pg_roles r
                WHERE r.oid = ANY (p.polroles) AND r.rolname = current_setting('role')));
    END IF;
    -- How many rows PostgreSQL expects to have the words, of every partnership: asked of
    -- the planner alone (the wiki's "count estimate"), which reads no row.
    EXECUTE format('EXPLAIN (FORMAT JSON) SELECT 1 FROM %s WHERE %I @@ %L::tsquery',
                   tbl, vector_column, query)
    INTO plan;
    SELECT greatest(reltuples, 1) INTO total FROM pg_class WHERE oid = tbl;
    IF (plan->0->'Plan'->>'Plan Rows')::float8 / total < 0.05 THEN
        -- Few: every row with the words, found through the GIN index, then the policies;
        -- a common table expression is planned on its own, without the limit.
        EXECUTE format(
            'WITH readable AS MATERIALIZED (SELECT id FROM %s WHERE %I @@ $1 AND (%s)) '
            'SELECT array_agg(id) FROM (SELECT id FROM readable LIMIT $2) found',
            tbl, vector_column, coalesce(policies, 'true'))
        INTO found USING query, most + 1;
    ELSE
        -- Many: planned with the limit, a walk that stops as soon as it has its rows.
        EXECUTE format(
            'SELECT array_agg(id) FROM (SELECT id FROM %s WHERE %I @@ $1 AND (%s) LIMIT $2) found',
            tbl, vector_column, coalesce(policies, 'true'))
        INTO found USING query, most + 1;
    END IF;
    IF cardinality(found) > most THEN
        RETURN NULL;
    END IF;
    RETURN coalesce(found, '{}');
END $$;
"""


def make(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(FUNCTION)  # no parameters: format()'s %s and %I are its own


def unmake(apps, schema_editor):
    """0006's function again, as it was made."""
    if schema_editor.connection.vendor == "postgresql":
        before = importlib.import_module("search.migrations.0006_postgresql_found_past_the_policies")
        schema_editor.execute(
            "DROP FUNCTION IF EXISTS sscp_search_found(regclass, text, tsquery, integer)"
        )
        before.make(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("search", "0006_postgresql_found_past_the_policies")]

    operations = [migrations.RunPython(make, unmake, elidable=False)]
