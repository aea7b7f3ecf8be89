"""On PostgreSQL: sscp_search_found(table, vector column, query, most), the ids of the
rows the connection may see that have the words, if there are at most `most` of them;
NULL if there are more.

Working for a partnership, a connection reads its tables under their row-level policies
(sscp 0012), and PostgreSQL then refuses to find rows through an index by an operator
not marked leakproof, as @@ is not: the policy is checked first, row by row. A search
for a word in a handful of actions read every action of the partnership (115 ms at
100,000 actions, growing with them). Marking @@ leakproof needs a superuser.

This function runs as its owner, the tables' owner, whom the policies do not hold (no
FORCE), so the GIN index finds the rows; and it applies the connection's own policies
itself, as PostgreSQL would: for a connection working as a role (`SET ROLE`) on a table
with row security, the permissive policies for reading of that role, or nothing at all.
So it answers only what the connection could have read. The caller filters the rows
again by its own scope, and the policies hold the rows it reads as ever.
"""

from django.db import migrations

FUNCTION = """
CREATE FUNCTION sscp_search_found(tbl regclass, vector_column text, query tsquery, most integer)
RETURNS bigint[] LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public AS $$
DECLARE
    policies text;
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
    EXECUTE format(
        'SELECT array_agg(id) FROM (SELECT id FROM %s WHERE %I @@ $1 AND (%s) LIMIT $2) found',
        tbl, vector_column, coalesce(policies, 'true'))
    INTO found USING query, most + 1;
    IF cardinality(found) > most THEN
        RETURN NULL;
    END IF;
    RETURN coalesce(found, '{}');
END $$;
REVOKE ALL ON FUNCTION sscp_search_found(regclass, text, tsquery, integer) FROM PUBLIC;
DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sscp_scoped') THEN
        GRANT EXECUTE ON FUNCTION sscp_search_found(regclass, text, tsquery, integer)
            TO sscp_scoped;
    END IF;
END $$;
"""


def make(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(FUNCTION)  # no parameters: format()'s %s and %I are its own


def unmake(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "DROP FUNCTION IF EXISTS sscp_search_found(regclass, text, tsquery, integer)"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0005_postgresql_actions_in_context"),
        ("sscp", "0012_row_level_security"),
    ]

    operations = [migrations.RunPython(make, unmake, elidable=False)]
