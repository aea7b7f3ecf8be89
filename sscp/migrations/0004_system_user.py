from django.db import migrations

SYSTEM_USERNAME = "system"


def create_system_user(apps, schema_editor):
    """The named user that automatic changes (tasks, commands) are recorded against."""
    User = apps.get_model("sscp", "User")
    User.objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={
            "first_name": "System",
            "last_name": "(automatic)",
            "is_active": False,
            "password": "!system-user-cannot-sign-in",
        },
    )


def remove_system_user(apps, schema_editor):
    apps.get_model("sscp", "User").objects.filter(username=SYSTEM_USERNAME).delete()


class Migration(migrations.Migration):
    dependencies = [("sscp", "0003_user_reminder_frequency")]

    operations = [migrations.RunPython(create_system_user, remove_system_user)]
