"""Every row-level policy reads the request's partnerships inline, not through a sub-select.

As `(SELECT sscp_partnerships())` the partnerships were an InitPlan parameter the planner
cannot see when it plans, so it estimated a partnership's actions at a few thousand
whatever their number (2,741 where 110,595 are in progress) and chose a bitmap scan and a
sort over an index walk: the capped count of a partnership's actions in progress took
159 ms at 240,000 actions, 1–2 ms with the same condition inline (docs/performance.md).
The shared reviews stay a sub-select: worked out from the joint reviews, once a statement.
"""

import importlib

from django.db import migrations

row_security = importlib.import_module("sscp.migrations.0012_row_level_security")

SUB_SELECT = "( SELECT sscp_partnerships() AS sscp_partnerships)"
# As PostgreSQL writes it back (pg_get_expr), so that the reverse finds it.
INLINE = "COALESCE(NULLIF(current_setting('sscp.partnerships'::text, true), ''::text), '{}'::text)"


def _rewrite(schema_editor, rewrite) -> None:
    """Every policy's conditions as `rewrite`, a function of a condition's text as
    PostgreSQL writes it back, has them (actions 0026 uses it too)."""
    if not row_security._enabled(schema_editor):
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT polname, polrelid::regclass::text, pg_get_expr(polqual, polrelid), "
            "pg_get_expr(polwithcheck, polrelid) FROM pg_policy"
        )
        policies = cursor.fetchall()
    for name, table, using, check in policies:
        clauses = [
            f"{clause} ({rewrite(rule)})"
            for clause, rule in (("USING", using), ("WITH CHECK", check))
            if rule and rewrite(rule) != rule
        ]
        if clauses:
            schema_editor.execute(
                f"ALTER POLICY {schema_editor.quote_name(name)} ON {table} {' '.join(clauses)}"
            )


def inline(apps, schema_editor):
    _rewrite(schema_editor, lambda rule: rule.replace(SUB_SELECT, INLINE))


def sub_select(apps, schema_editor):
    _rewrite(schema_editor, lambda rule: rule.replace(INLINE, SUB_SELECT))


class Migration(migrations.Migration):
    dependencies = [
        ("actions", "0019_counts_kept_and_guarded"),
        ("reviews", "0014_kept_counts"),
        ("meetings", "0002_row_level_security"),
        ("learning", "0002_row_level_security"),
        ("partnerships", "0002_invitation_guards"),
        ("sscp", "0015_decision_emails"),
    ]

    operations = [migrations.RunPython(inline, sub_select)]
