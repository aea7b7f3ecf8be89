"""Every row-level policy asks first whether a row is of the request's first partnership,
read from a setting of a single number (`sscp.partnership`), and only then whether it is
of one of its other partnerships (`sscp.other_partnerships`, a list); sscp.database sets
both.

A policy is evaluated for each row a query reads, and PostgreSQL reads a list from its
text again each time: the list of every partnership cost about 0.3 µs a row with one in
it (the team's count of 75,133 overdue actions by review took 55–76 ms scoped, 20 ms
without the policies, 36–44 ms asking the single number first: docs/performance.md,
stop 30). A request of one partnership, the usual case, now leaves the list empty. The
two sets do not overlap, so the planner, which reads both where they are inline (0020),
estimates a partnership's rows as it did; a single number asked before a list of every
partnership would have had it count the first partnership twice.
"""

import functools
import importlib
import re

from django.db import migrations

planner = importlib.import_module("actions.migrations.0020_policies_the_planner_can_read")

# As PostgreSQL writes them back (pg_get_expr), so that each direction finds the other.
FIRST = "(NULLIF(current_setting('sscp.partnership'::text, true), ''::text))::bigint"
OTHERS = (
    "COALESCE(NULLIF(current_setting('sscp.other_partnerships'::text, true), ''::text), "
    "'{}'::text)"
)
COLUMN = r"(?P<column>(?:\w+\.)?partnership_id)"
EVERY_ONE = rf"{COLUMN} = ANY \(\({re.escape(planner.INLINE)}\)::bigint\[\]\)"
FIRST_THEN_OTHERS = (
    rf"\({COLUMN} = {re.escape(FIRST)}\) OR "
    rf"\((?P=column) = ANY \(\({re.escape(OTHERS)}\)::bigint\[\]\)\)"
)


def first_then_others(apps, schema_editor):
    after = rf"(\g<column> = {FIRST} OR \g<column> = ANY (({OTHERS})::bigint[]))"
    planner._rewrite(schema_editor, functools.partial(re.sub, EVERY_ONE, after))


def every_one(apps, schema_editor):
    after = rf"(\g<column> = ANY (({planner.INLINE})::bigint[]))"
    planner._rewrite(schema_editor, functools.partial(re.sub, FIRST_THEN_OTHERS, after))


class Migration(migrations.Migration):
    dependencies = [
        ("actions", "0025_decisions_keep_the_original_due_date"),
        ("meetings", "0002_row_level_security"),
        ("learning", "0002_row_level_security"),
        ("partnerships", "0002_invitation_guards"),
        ("reviews", "0014_kept_counts"),
        ("sscp", "0015_decision_emails"),
    ]

    operations = [migrations.RunPython(first_then_others, every_one)]
