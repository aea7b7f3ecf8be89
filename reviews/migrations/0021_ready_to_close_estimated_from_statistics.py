"""Statistics of the recommendations' kept counts and closure taken together (PostgreSQL's
CREATE STATISTICS, most common values), so that the planner knows how few are ready to close.

Ready to close is open, with actions, none of them open (reviews.selectors.is_ready_to_close):
each condition common alone, all together rare. Judged one by one, the planner took 2,231
of the largest partnership's recommendations to be ready at 100,000 actions, where 17 were,
and joined the list of them to every review of the partnership (a hash of 2,005 reviews,
3.9 ms); told how the columns go together, it expects 16 and looks each one's review up
(0.9 ms). At 300,000 actions, with the default sample (30,000 rows of 77,000 recommendations)
one of the two kinds of those ready (by their number of actions) fell out of the most common
values and it expected 656 for 51; a target of 1,000 samples 300,000 rows (ANALYZE of the table
0.5 s) and it expects 93 for 93. Django has no declaration of extended statistics: SQL, on
PostgreSQL only.
"""

from django.db import migrations

STATISTICS = "recommendation_ready_stats"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE STATISTICS {STATISTICS} (mcv) ON action_count, open_action_count, "
            "closed_at, withdrawn_at FROM reviews_recommendation"
        )
        schema_editor.execute(f"ALTER STATISTICS {STATISTICS} SET STATISTICS 1000")
        schema_editor.execute("ANALYZE reviews_recommendation")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP STATISTICS IF EXISTS {STATISTICS}")


class Migration(migrations.Migration):

    dependencies = [
        ("reviews", "0020_annual_years_from_the_earliest_in_indexes"),
    ]

    operations = [migrations.RunPython(create, drop)]
