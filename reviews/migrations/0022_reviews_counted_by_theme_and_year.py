"""Reviews counted by theme and year (ThemeTally, which recurring learning reads) start
from each review's kept themes (Review.all_themes) and the year it counts in, and the
table gets the row-level policy every partnership-owned table has (sscp 0012), asking
first of the request's first partnership (actions 0026)."""

import importlib
from collections import Counter

import django.db.models.deletion
from django.db import migrations, models

row_security = importlib.import_module("sscp.migrations.0012_row_level_security")
first_partnership = importlib.import_module(
    "actions.migrations.0026_policies_ask_the_first_partnership_first"
)
TABLE = "reviews_themetally"
RULE = (
    f"partnership_id = {first_partnership.FIRST} "
    f"OR partnership_id = ANY (({first_partnership.OTHERS})::bigint[])"
)


def count(apps, schema_editor):
    Review = apps.get_model("reviews", "Review")
    ThemeTally = apps.get_model("reviews", "ThemeTally")
    counted = Counter()
    rows = Review.objects.filter(withdrawn_at__isnull=True, all_themes__isnull=False).values_list(
        "partnership_id", "all_themes", "published_on", "commissioned_on"
    )
    for partnership_id, theme_id, published_on, commissioned_on in rows.iterator():
        day = published_on or commissioned_on
        if day is not None:  # the financial year, 1 April to 31 March
            counted[partnership_id, theme_id, day.year if day.month >= 4 else day.year - 1] += 1
    ThemeTally.objects.bulk_create(
        ThemeTally(partnership_id=partnership_id, theme_id=theme_id, start_year=year, count=n)
        for (partnership_id, theme_id, year), n in counted.items()
    )


def guard(apps, schema_editor):
    if row_security._enabled(schema_editor):
        schema_editor.execute(f"ALTER TABLE {TABLE} ENABLE ROW LEVEL SECURITY")
        schema_editor.execute(
            f"CREATE POLICY partnership_scope ON {TABLE} TO {row_security.ROLE} "
            f"USING ({RULE}) WITH CHECK ({RULE})"
        )


def unguard(apps, schema_editor):
    if row_security._enabled(schema_editor):
        schema_editor.execute(f"DROP POLICY IF EXISTS partnership_scope ON {TABLE}")
        schema_editor.execute(f"ALTER TABLE {TABLE} DISABLE ROW LEVEL SECURITY")


class Migration(migrations.Migration):

    dependencies = [
        ('actions', '0026_policies_ask_the_first_partnership_first'),
        ('sscp', '0012_row_level_security'),
        ('reviews', '0021_ready_to_close_estimated_from_statistics'),
        ('sscp', '0015_decision_emails'),
    ]

    operations = [
        migrations.CreateModel(
            name='ThemeTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('start_year', models.PositiveIntegerField(help_text='The year its April falls in.')),
                ('count', models.PositiveIntegerField()),
                ('partnership', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='sscp.partnership')),
                ('theme', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='reviews.theme')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('partnership', 'theme', 'start_year'), name='theme_tally_unique')],
            },
        ),
        migrations.RunPython(count, migrations.RunPython.noop),
        migrations.RunPython(guard, unguard),
    ]
