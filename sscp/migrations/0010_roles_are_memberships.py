"""Roles are held in memberships now (0009 made them from the groups): the groups and each
person's one agency go."""

from django.db import migrations

ROLE_GROUPS = ["Partnership team", "Agency lead", "SILG chair"]


def remove_role_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_GROUPS).delete()


def make_role_groups(apps, schema_editor):
    for name in ROLE_GROUPS:
        apps.get_model("auth", "Group").objects.get_or_create(name=name)


class Migration(migrations.Migration):

    dependencies = [
        ('sscp', '0009_existing_data_joins_the_first_partnership'),
    ]

    operations = [
        migrations.RunPython(remove_role_groups, make_role_groups),
        migrations.RemoveField(
            model_name='historicaluser',
            name='agency',
        ),
        migrations.RemoveField(
            model_name='user',
            name='agency',
        ),
    ]
