from django.conf import settings
from django.core.management.base import CommandError

from devtools.demo import demo_counts, load_demo
from sscp.commands import TrackedCommand


class Command(TrackedCommand):
    help = (
        "Load the demo data (agencies, themes, reviews from the 2020/21 annual report, demo "
        "users). Safe to run again: only what is missing is created."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load even though DEBUG is off. Never do this on a live service.",
        )

    def handle_tracked(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off, so this looks like a live service: demo data and its known "
                "passwords would be created. Use --force if you really mean it."
            )
        result = load_demo(password=settings.DEMO_PASSWORD)
        created = ", ".join(f"{count} {name}" for name, count in result.created.items())
        self.stdout.write(f"Created: {created or 'nothing, the demo data was already loaded'}.")
        totals = ", ".join(f"{count} {name}" for name, count in demo_counts().items())
        self.stdout.write(f"Now in the database: {totals}.")
