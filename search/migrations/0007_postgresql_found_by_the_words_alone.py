"""On PostgreSQL: sscp_search_found (0006) finds its rows by the words alone, then applies
the policies to them.

In 0006 the words, the policies and the limit (`most` + 1) were one query, and the planner
chose from all three: at 300,000 actions, for a word in no row, a walk of the whole table
(it expected the limit's rows soon: 310 ms), and at 100,000 the partnership's index read
beside the GIN index (80,000 entries, 4.4 ms, to find none). A MATERIALIZED common table
expression is planned on its own, for all its rows: the GIN index for words in few rows
(0.1 ms), a walk for words in most, which the limit outside stops as soon as it has its
rows. The policies are then asked of the rows found, by the table's own name.
"""

import importlib

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION sscp_search_found(
    tbl regclass, vector_column text, query tsquery, most integer)
RETURNS bigint[] LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public AS $$
DECLARE
    name name;
    secured boolean;
    policies text;
    found bigint[];
BEGIN
    SELECT relname, relrowsecurity INTO name, secured FROM pg_class WHERE oid = tbl;
    IF current_setting('role') <> 'none' AND secured THEN
        SELECT coalesce(string_agg(format('(%s)', pg_get_expr(p.polqual, p.polrelid)), ' OR '),
                        'false')
        INTO policies
        FROM pg_policy p
        WHERE p.polrelid = tbl AND p.polpermissive AND p.polcmd IN ('r', '*')
            AND (p.polroles = '{0}' OR EXISTS (
                SELECT 1 FROM pg_roles r
                WHERE r.oid = ANY (p.polroles) AND r.rolname = current_setting('role')));
    END IF;
    EXECUTE format(
        'WITH with_words AS MATERIALIZED (SELECT * FROM %s WHERE %I @@ $1) '
        'SELECT array_agg(id) FROM ('
        '    SELECT id FROM with_words AS %I WHERE (%s) LIMIT $2) found',
        tbl, vector_column, name, coalesce(policies, 'true'))
    INTO found USING query, most + 1;
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
